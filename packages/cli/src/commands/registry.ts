import { StagesError } from '@stages/common';
import { type ProviderInstance, ZooKeeperRegistry } from '@stages/registry';
import type { Command } from 'commander';
import { EXIT, reportError, table, withProgress } from '../output.js';
import { addZkOptions, type CommandModule, type ZkOptions } from './command.js';

/** `stages registry ls [service]`: who provides what, where, in which zone, with which weight and tags. */
export const registryCommand: CommandModule = {
  name: 'registry',
  register(program: Command) {
    const registry = program.command('registry').description('inspect providers registered in ZooKeeper');
    addZkOptions(
      registry
        .command('ls')
        .argument('[service]', 'only this service')
        .description('list services and their instances (address, protocol, version, zone, weight, tags)'),
    ).action(async (service: string | undefined, options: ZkOptions) => {
      process.exitCode = await list(service, options);
    });
  },
};

async function list(only: string | undefined, options: ZkOptions): Promise<number> {
  const registry = new ZooKeeperRegistry({
    connectionString: options.zk,
    namespace: options.namespace,
    connectTimeoutMs: Number(options.timeout),
  });
  try {
    const instances = await withProgress(`reading ${options.zk}`, async () => {
      const services = only ? [only] : [...(await registry.services())].sort();
      const found: ProviderInstance[] = [];
      for (const service of services) found.push(...(await registry.lookup(service)));
      return found;
    });
    if (only && instances.length === 0) throw new StagesError('NOT_FOUND', `no providers of "${only}"`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(instances, null, 2)}\n`);
      return EXIT.ok;
    }
    const now = Date.now();
    process.stdout.write(
      `${table(
        ['SERVICE', 'ADDRESS', 'PROTOCOL', 'VERSION', 'GROUP', 'ZONE', 'WEIGHT', 'TAGS', 'UP', 'PID'],
        instances.map((i) => [
          i.service,
          `${i.host}:${i.port}`,
          i.protocol,
          i.version,
          i.group || '-',
          i.zone ?? '-',
          i.weight,
          i.tags.join(',') || '-',
          i.startTime ? age(now - i.startTime) : '-',
          i.metadata?.pid ?? '-',
        ]),
      )}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    return reportError(error, Boolean(options.json));
  } finally {
    await registry.close().catch(() => {});
  }
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}
