import type { Redis } from 'ioredis';

/** Calls per command name (`evalsha`, `xadd`, …) from `INFO commandstats`. */
export type CommandCounts = Map<string, number>;

export async function readCommandCounts(redis: Redis): Promise<CommandCounts> {
  const counts: CommandCounts = new Map();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match?.[1] && match[2]) counts.set(match[1], Number(match[2]));
  }
  return counts;
}

/** `after − before` per command, leaving out the benchmark's own INFO calls. */
export function subtractCounts(after: CommandCounts, before: CommandCounts): CommandCounts {
  const difference: CommandCounts = new Map();
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) difference.set(name, delta);
  }
  return difference;
}

export function addCounts(total: CommandCounts, more: CommandCounts): void {
  for (const [name, calls] of more) total.set(name, (total.get(name) ?? 0) + calls);
}

export function sumCounts(counts: CommandCounts): number {
  let sum = 0;
  for (const calls of counts.values()) sum += calls;
  return sum;
}
