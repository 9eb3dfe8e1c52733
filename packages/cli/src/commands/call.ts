import { StagesError } from '@stages/common';
import { ZooKeeperRegistry } from '@stages/registry';
import { GrpcClientTransport, GrpcIdlClientTransport, ServiceClient } from '@stages/rpc';
import type { Command } from 'commander';
import { EXIT, reportError, withProgress } from '../output.js';
import { addZkOptions, type CommandModule, type ZkOptions } from './command.js';

/**
 * `stages call catalog.getProduct '{"id":"p0001"}'`: one call through the registry and the rpc cluster, like
 * grpcurl or Dubbo's telnet `invoke`. The answer is printed as JSON; an error prints its code and sets the exit code.
 */
export const callCommand: CommandModule = {
  name: 'call',
  register(program: Command) {
    addZkOptions(
      program
        .command('call')
        .argument('<target>', 'service.method, e.g. catalog.getProduct')
        .argument('[json]', "the request as JSON (default '{}'; '-' reads stdin)", '{}')
        .option('--service-version <range>', 'only providers matching this version')
        .option('--zone <zone>', 'prefer providers in this zone')
        .description('call one method of a registered service'),
    ).action(async (target: string, json: string, options: ZkOptions & { serviceVersion?: string; zone?: string }) => {
      process.exitCode = await call(target, json, options);
    });
  },
};

async function call(
  target: string,
  json: string,
  options: ZkOptions & { serviceVersion?: string; zone?: string },
): Promise<number> {
  const registry = new ZooKeeperRegistry({
    connectionString: options.zk,
    namespace: options.namespace,
    connectTimeoutMs: Number(options.timeout),
  });
  let client: ServiceClient | undefined;
  try {
    const dot = target.lastIndexOf('.');
    if (dot <= 0 || dot === target.length - 1) {
      throw new StagesError('INVALID_ARGUMENT', `"${target}" is not service.method (e.g. catalog.getProduct)`);
    }
    const service = target.slice(0, dot);
    const method = target.slice(dot + 1);
    const payload = parseJson(json === '-' ? await readStdin() : json);
    client = new ServiceClient({
      service,
      registry,
      transports: [new GrpcClientTransport(), new GrpcIdlClientTransport()],
      caller: 'stages-cli',
      // One call from a person: no retries on other providers, the error is what they want to see.
      faultTolerance: 'failfast',
      ...(options.serviceVersion ? { version: options.serviceVersion } : {}),
      ...(options.zone ? { zone: options.zone } : {}),
    });
    const result = await withProgress(`calling ${target}`, () =>
      (client as ServiceClient).call(method, payload, { timeoutMs: Number(options.timeout) }),
    );
    process.stdout.write(`${JSON.stringify(result, null, options.json ? 0 : 2) ?? 'null'}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportError(error, Boolean(options.json));
  } finally {
    await client?.close().catch(() => {});
    await registry.close().catch(() => {});
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StagesError('INVALID_ARGUMENT', `the request is not JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
