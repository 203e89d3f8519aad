import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type Cluster, Redis } from 'ioredis';
import { clusterClient, type RedisCluster, startRedisCluster } from './redis-cluster.ts';
import { slotCount } from './redis-cluster-topology.ts';
import { keySlot } from './redis-test-support.ts';
import { waitFor } from './wait-for.ts';

/** From SIGKILL of a master (node timeout 1 s) to its slot answering through a replica. */
const failoverBoundMs = 10_000;

describe('startRedisCluster: a local Redis Cluster for tests', () => {
  describe('3 masters, no replicas', () => {
    let redisCluster: RedisCluster;
    let client: Cluster;
    before(async () => {
      redisCluster = await startRedisCluster({ masters: 3 });
      client = clusterClient(redisCluster);
    });
    after(async () => {
      client?.disconnect();
      await redisCluster?.stop();
    });

    it('serves a key in every one of the 16384 slots through an ioredis Cluster client', async () => {
      assert.deepEqual(
        redisCluster.nodes.map((node) => node.role),
        ['master', 'master', 'master'],
      );
      const keys = keysInEverySlot();
      await Promise.all(keys.map((key, slot) => client.set(key, String(slot))));
      const values = await Promise.all(keys.map((key) => client.get(key)));
      assert.deepEqual(
        values,
        keys.map((_, slot) => String(slot)),
      );
      const perMaster = await Promise.all(
        redisCluster.nodes.map((node) => withNode(node.port, (redis) => redis.dbsize())),
      );
      assert.equal(
        perMaster.reduce((sum, count) => sum + count, 0),
        slotCount,
      );
      assert.ok(
        perMaster.every((count) => count > 5_000),
        `keys per master: ${perMaster.join(', ')}`,
      );
    });

    it('masterOf names the node that holds a key, answering without a redirection', async () => {
      for (const key of ['{session-a}:turn', '{session-b}:turn', 'no-hash-tag', 'plain:key:7']) {
        await client.set(key, 'here');
        const master = await redisCluster.masterOf(key);
        assert.equal(master.role, 'master');
        assert.equal(await withNode(master.port, (redis) => redis.get(key)), 'here', key);
        assert.deepEqual(await redisCluster.masterOf(keySlot(key)), master);
      }
      await assert.rejects(redisCluster.masterOf(slotCount), RangeError);
    });

    it('refuses a multi-key command whose keys are in different slots with CROSSSLOT', async () => {
      const [first, second] = ['{a}:one', '{b}:two'];
      assert.notEqual(keySlot(first), keySlot(second));
      await assert.rejects(client.mget(first, second), /CROSSSLOT/);
      assert.deepEqual(await client.mget('{a}:one', '{a}:two'), [null, null]);
    });
  });

  it('with a replica per master, killing the master of a key promotes its replica and the key answers again within the bound', async (context) => {
    const redisCluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    const client = clusterClient(redisCluster);
    try {
      const replicas = redisCluster.nodes.filter((node) => node.role === 'replica');
      assert.equal(replicas.length, 3);
      const seedPort = Number(new URL(redisCluster.seedUrl).port);
      assert.ok(
        replicas.some((node) => node.port === seedPort),
        'the seed is a replica, which outlives a killed master',
      );
      const key = '{failover}:key';
      const master = await redisCluster.masterOf(key);
      await withNode(master.port, async (redis) => {
        await redis.set(key, 'kept');
        // WAIT: the write reached the replica, so the promoted replica must have it.
        assert.equal(await redis.wait(1, 5_000), 1);
      });
      const killedAt = Date.now();
      await redisCluster.killNode(master.port);
      const promoted = await redisCluster.waitForFailover(master.port, {
        timeoutMs: failoverBoundMs,
      });
      let value: string | null = null;
      await waitFor(
        async () => {
          value = await client.get(key).catch(() => null);
          return value !== null;
        },
        { timeoutMs: failoverBoundMs, intervalMs: 50, message: 'the key through the client' },
      );
      const tookMs = Date.now() - killedAt;
      context.diagnostic(`the key answered again ${tookMs} ms after the kill`);
      assert.equal(value, 'kept');
      assert.ok(tookMs < failoverBoundMs, `${tookMs} ms`);
      assert.deepEqual(await redisCluster.masterOf(key), promoted);
      assert.equal(promoted.role, 'master');
      assert.ok(!redisCluster.nodes.some((node) => node.port === master.port));
    } finally {
      client.disconnect();
      await redisCluster.stop();
    }
  });

  it('stop ends every node, and the nodes die with a test process that is SIGKILLed', async () => {
    const redisCluster = await startRedisCluster();
    const pids = redisCluster.nodes.map((node) => node.pid);
    await redisCluster.stop();
    await redisCluster.stop();
    assert.deepEqual(pids.filter(isAlive), []);

    const child = spawn(process.execPath, ['--input-type=module', '--eval', killedParentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    await waitFor(() => output.includes('\n'), { timeoutMs: 20_000, message: 'the pids' });
    const orphans = JSON.parse(output) as number[];
    assert.equal(orphans.length, 3);
    child.kill('SIGKILL');
    await waitFor(() => !orphans.some(isAlive), {
      timeoutMs: 5_000,
      message: `redis-server processes outlived their test process: ${orphans.filter(isAlive)}`,
    });
  });
});

/** Starts a cluster, prints its pids and waits to be killed. */
const killedParentScript = `
  import { startRedisCluster } from ${JSON.stringify(import.meta.resolve('./redis-cluster.ts'))};
  const redisCluster = await startRedisCluster();
  process.stdout.write(JSON.stringify(redisCluster.nodes.map((node) => node.pid)) + '\\n');
  setInterval(() => undefined, 60_000);
`;

/** One key per slot, key `i` in slot `i`. */
function keysInEverySlot(): string[] {
  const keys: (string | undefined)[] = Array.from({ length: slotCount });
  let found = 0;
  for (let candidate = 0; found < slotCount; candidate += 1) {
    const key = `key:${candidate}`;
    const slot = keySlot(key);
    if (keys[slot] === undefined) {
      keys[slot] = key;
      found += 1;
    }
  }
  return keys.map((key) => key ?? '');
}

/** Runs `work` on a plain connection to one node, which answers only for its own slots. */
async function withNode<T>(port: number, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
