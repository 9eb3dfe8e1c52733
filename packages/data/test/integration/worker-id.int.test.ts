import { createIdGenerator, ZooKeeperWorkerId } from '@stages/data';
import { type ProcessHandle, startProcess, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let zk: ZooKeeperCluster;
beforeAll(async () => {
  zk = await startZooKeeper();
});
afterAll(async () => {
  await zk?.stop();
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function workerIds(): Promise<string[]> {
  // node-zookeeper-client ships no types; a variable specifier keeps the import untyped on purpose.
  const name = 'node-zookeeper-client';
  const { default: zookeeper } = await import(name);
  const client = zookeeper.createClient(zk.connectionString);
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  const children = await new Promise<string[]>((resolve, reject) =>
    client.getChildren('/stages/ids/workers', (e: Error | null, c: string[]) => (e ? reject(e) : resolve(c))),
  );
  client.close();
  return children.sort();
}

describe('snowflake worker ids from ZooKeeper', () => {
  it('gives concurrent processes distinct worker ids and frees a dead one with its session', async () => {
    const procs: ProcessHandle[] = await Promise.all(
      [0, 1, 2].map(() =>
        startProcess({
          args: ['packages/data/test/fixtures/id-worker.ts'],
          env: { ZK: zk.connectionString, STAGES_LOG_LEVEL: 'warn' },
          ready: /worker-id \d+/,
        }),
      ),
    );
    try {
      const lines = procs.map(
        (p) => /worker-id (\d+) node (\S+) unique (\d+) workers (\S+)/.exec(p.output()) as RegExpExecArray,
      );
      const ids = lines.map((m) => Number(m[1]));
      expect(new Set(ids).size).toBe(3);
      for (const m of lines) {
        expect(m[3]).toBe('1000'); // 1000 ids minted, all distinct
        expect(m[4]).toBe(m[1]); // every id carries the process's worker id
      }
      expect(await workerIds()).toHaveLength(3);

      // Crash one: its ephemeral node goes when the session times out (2 s in the fixture).
      await procs[0]!.kill('SIGKILL');
      const gone = lines[0]![2]!.split('/').pop() as string;
      const deadline = Date.now() + 10_000;
      let nodes = await workerIds();
      while (nodes.includes(gone) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        nodes = await workerIds();
      }
      expect(nodes).not.toContain(gone);
      expect(nodes).toHaveLength(2);
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
    }
  });

  it('stops minting while ZooKeeper is unreachable and resumes with the same id when the session survives', async () => {
    const source = new ZooKeeperWorkerId({ connectionString: zk.connectionString, sessionTimeoutMs: 6000 });
    const ids = await createIdGenerator(source);
    const seen: (number | undefined)[] = [];
    source.onChange((id) => seen.push(id));
    const id = ids.workerId;
    expect(typeof id).toBe('number');
    try {
      await zk.servers[0]!.stop();
      await until('id suspended', () => ids.workerId === undefined);
      expect(() => ids.next()).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
      const node = source.node;
      await zk.servers[0]!.restart();
      await until('id restored', () => ids.workerId !== undefined, 30_000).catch((error) => {
        throw new Error(
          `${error.message}; id changes seen: ${JSON.stringify(seen)}; zookeeper: ${zk.servers[0]!.logs(15)}`,
        );
      });
      // The session normally survives a short outage and keeps its node and id. On a loaded machine it may
      // expire first; then a fresh node (and id) is drawn instead, which is just as safe.
      if (source.node === node) expect(ids.workerId).toBe(id);
      else expect(source.node).toMatch(/worker-\d{10}$/);
      expect(ids.parse(ids.next()).workerId).toBe(ids.workerId);
    } finally {
      await source.release();
    }
  }, 60_000);
});
