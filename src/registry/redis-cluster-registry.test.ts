import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { RedisStreamRegistry } from './redis/redis-stream-registry.ts';
import { runStreamRegistryContract } from './registry-contract.ts';
import { clusterClient, startRedisCluster } from '../../tests/support/redis-cluster.ts';
import { deleteKeys } from '../../tests/support/redis-test-support.ts';

// The whole contract again on a real 3-master Redis Cluster started for this file: every script
// must touch one slot, and reads must go to the node that owns each turn's bucket.
const redisCluster = await startRedisCluster({ masters: 3 });
const admin = clusterClient(redisCluster);
await admin.ping();
after(async () => {
  admin.disconnect();
  await redisCluster.stop();
});

const finishedTurnTtlMs = 400;

runStreamRegistryContract(
  'Redis Cluster (3 masters)',
  async () => {
    const keyPrefix = `dc-test-${randomUUID()}`;
    const registry = await RedisStreamRegistry.connect({
      url: redisCluster.seedUrl,
      cluster: true,
      keyPrefix,
      finishedTurnTtlMs,
    });
    return {
      registry,
      cleanup: async () => {
        await registry.close();
        await Promise.all(admin.nodes('master').map((node) => deleteKeys(node, keyPrefix)));
      },
    };
  },
  { finishedTurnTtlMs },
);
