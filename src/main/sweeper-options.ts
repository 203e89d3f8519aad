import type { Config } from '../config.ts';
import type { SweeperOptions } from '../executor/sweeper.ts';

/** The sweeper's timing, the same in every process that sweeps (executors and API processes). */
export function sweeperOptions(config: Config, ownerId: string): SweeperOptions {
  return {
    ownerId,
    intervalMs: config.sweepIntervalMs,
    leaseGraceMs: config.sweepIntervalMs,
    unleasedTurnTimeoutMs: config.unleasedTurnTimeoutMs,
    closingGraceMs: Math.max(config.leaseTtlMs, 10_000),
    storeGraceMs: Math.max(config.leaseTtlMs * 2, 30_000),
  };
}
