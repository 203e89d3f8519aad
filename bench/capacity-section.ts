import {
  type BenchResults,
  type DeploymentName,
  type LevelResults,
  systemLabels,
} from './bench-results.ts';
import { commandsPerToken, format, pacedPhase } from './bench-targets.ts';
import { table } from './report-sections.ts';

/** Concurrent turns the plan is made for, each streaming `tokensPerSecond`. */
const plannedTurns = [10_000, 100_000];
const tokensPerSecond = 30;
/** Share of its core a process may use on average: headroom for bursts, GC and failover. */
const targetUtilisation = 0.6;
/** Memory a Redis shard may fill with turns: a stated figure for a common 32 GB node. */
const shardMemoryBytes = 24 * 2 ** 30;
/** Messages one turn puts through RabbitMQ (a cancel adds one fan-out message): see the code. */
const rabbitMqMessagesPerTurn = 1;

/** What one process of a deployment costs per token, from its paced run. */
interface MeasuredCosts {
  level: LevelResults;
  tokensPerSecond: number;
  cpuPerToken: { api: number; executor: number; redis: number };
  commandsPerToken: number;
}

/**
 * Per deployment, CPU seconds per token of each process kind and Redis commands per token, from
 * the busiest paced level: the costs scale with tokens there, the fixed per-process work least.
 */
export function measuredCosts(
  results: BenchResults,
  deployment: DeploymentName,
): MeasuredCosts | undefined {
  const level = results.paced?.levels.at(-1);
  const measured = level?.systems[deployment];
  const phase = level && pacedPhase(results, deployment, level.level.concurrency);
  if (!level || !measured || !phase || measured.wordsPerSecond === 0) return undefined;
  const cores = (prefix: string) =>
    Object.entries(measured.cpu)
      .filter(([name]) => name === prefix || name.startsWith(`${prefix} `))
      .reduce((sum, [, share]) => sum + share, 0);
  const perToken = (share: number) => share / measured.wordsPerSecond;
  return {
    level,
    tokensPerSecond: measured.wordsPerSecond,
    cpuPerToken: {
      api: perToken(cores('api')),
      executor: perToken(cores('executor')),
      redis: perToken(cores('redis-server')),
    },
    commandsPerToken: commandsPerToken(phase),
  };
}

/** The generated capacity plan: measured costs, the sizes they imply, and the assumptions. */
export function capacitySection(results: BenchResults): string {
  const deployments = (['distributed', 'cluster'] as const).flatMap((name) => {
    const costs = measuredCosts(results, name);
    return costs ? [{ name, costs }] : [];
  });
  if (deployments.length === 0 || !results.paced) {
    return '## Capacity plan\n\nNo paced runs: nothing to plan from.';
  }
  const words = results.plan.words;
  const turnSeconds = words / tokensPerSecond;
  const ttlSeconds = results.finishedTurnTtlMs / 1000;
  const memoryOf = (name: DeploymentName) =>
    results.redisMemory.find((memory) => memory.deployment === name);
  const writes = postgresPerTurn(results);
  const microseconds = (seconds: number) => `${(seconds * 1e6).toFixed(1)} µs`;
  const costRows = deployments.map(({ name, costs }) => [
    systemLabels[name],
    `${costs.level.level.concurrency} at ${results.paced?.tokenDelayMs} ms/token`,
    format.rate(costs.tokensPerSecond),
    microseconds(costs.cpuPerToken.api),
    microseconds(costs.cpuPerToken.executor),
    microseconds(costs.cpuPerToken.redis),
    costs.commandsPerToken.toFixed(3),
    costs.cpuPerToken.redis > 0
      ? format.rate(costs.commandsPerToken / costs.cpuPerToken.redis)
      : '—',
  ]);
  const planRows = deployments.flatMap(({ name, costs }) =>
    plannedTurns.map((turns) => {
      const tokens = turns * tokensPerSecond;
      const processes = (perToken: number) => Math.ceil((tokens * perToken) / targetUtilisation);
      const executors = processes(costs.cpuPerToken.executor);
      const cpuShards = processes(costs.cpuPerToken.redis);
      const memory = memoryOf(name);
      const finishedTurns = (turns / turnSeconds) * ttlSeconds;
      const memoryBytes = memory
        ? turns * memory.activeBytesPerTurn + finishedTurns * memory.finishedBytesPerTurn
        : Number.NaN;
      const memoryShards = Math.ceil(memoryBytes / shardMemoryBytes);
      const turnStarts = turns / turnSeconds;
      return [
        systemLabels[name],
        format.count(turns),
        format.rate(tokens),
        format.count(processes(costs.cpuPerToken.api)),
        `${format.count(executors)} (${format.count(Math.ceil(turns / executors))} turns each)`,
        `${format.count(cpuShards)} by CPU, ${Number.isFinite(memoryShards) ? format.count(memoryShards) : '—'} by memory (${Number.isFinite(memoryBytes) ? `${(memoryBytes / 2 ** 30).toFixed(1)} GB` : '—'})`,
        format.rate(tokens * costs.commandsPerToken),
        format.rate(turnStarts * rabbitMqMessagesPerTurn),
        writes
          ? `${format.rate(turnStarts * writes.rows)} rows, ${format.rate(turnStarts * writes.commits)} commits`
          : '—',
      ];
    }),
  );
  return `## Capacity plan (computed from this run)

Measured cost per token at the busiest paced level (CPU: share of a core ÷ tokens delivered per second in its window; Redis: on a cluster, summed over the masters):

${table(
  [
    'Deployment',
    'Level',
    'Tokens/s',
    'API CPU/token',
    'Executor CPU/token',
    'Redis CPU/token',
    'Redis commands/token',
    'Redis commands per CPU-second',
  ],
  costRows,
)}

What serves ${plannedTurns.map((turns) => format.count(turns)).join(' and ')} concurrent turns at ${tokensPerSecond} tokens/s each:

${table(
  [
    'Deployment',
    'Concurrent turns',
    'Tokens/s',
    'API processes',
    'Executors',
    'Redis shards',
    'Redis commands/s',
    'RabbitMQ messages/s',
    'PostgreSQL writes/s',
  ],
  planRows,
)}

Assumptions: every API process and executor has a core of its own and runs at ${format.count(targetUtilisation * 100)}% of it on average; a Redis shard is one single-threaded master on its own core at the same ${format.count(targetUtilisation * 100)}%, so it serves the commands per CPU-second above × ${targetUtilisation} (the measured rate, loopback networking included; replicas add no write capacity) and holds at most ${format.count(shardMemoryBytes / 2 ** 30)} GB of turns. CPU per token is taken as constant: per-turn costs (opening, history, persisting) are folded in at this run's ${words}-token turns, which last ${turnSeconds.toFixed(1)} s at ${tokensPerSecond} tokens/s, so ${format.count(plannedTurns[0] ?? 0)} concurrent turns start ${format.count((plannedTurns[0] ?? 0) / turnSeconds)} turns per second. Memory: running turns × Redis memory per running turn + finished turns still within \`FINISHED_TURN_TTL_SECONDS\` (default ${format.count(ttlSeconds)} s: turn starts/s × TTL) × memory per finished turn (Redis memory section); longer answers hold proportionally more. Executors run with \`TURN_CONCURRENCY\` at least the turns each one gets (the default is 5). A deployment's keys spread over \`REDIS_KEY_BUCKETS\` cluster slots (default ${results.redisKeyBuckets}), so more shards than that carry no load: set it to at least the shards planned, the same in every process. RabbitMQ: ${rabbitMqMessagesPerTurn} message per turn (the turn job, published with a confirm, delivered once and acknowledged). PostgreSQL: ${writes ? `${writes.rows.toFixed(1)} rows written and ${writes.commits.toFixed(1)} commits per turn, measured over this run's distributed turns with a fresh session each (a session's own row included)` : 'not measured in this run'}. See \`docs/capacity.md\` for the model and what limits next.`;
}

/** PostgreSQL rows written and commits per turn, over every distributed deployment of the run. */
export function postgresPerTurn(results: BenchResults):
  | {
      rows: number;
      commits: number;
      byTable: Record<string, number>;
      turns: number;
      sessions: number;
    }
  | undefined {
  let turns = 0;
  let sessions = 0;
  let commits = 0;
  const byTable: Record<string, number> = {};
  for (const writes of results.postgresWrites) {
    turns += writes.turns;
    sessions += writes.sessions;
    commits += writes.commits;
    for (const [name, rows] of Object.entries(writes.rowsWrittenByTable)) {
      byTable[name] = (byTable[name] ?? 0) + rows;
    }
  }
  if (turns === 0) return undefined;
  for (const name of Object.keys(byTable)) byTable[name] = (byTable[name] ?? 0) / turns;
  const rows = Object.values(byTable).reduce((sum, perTurn) => sum + perTurn, 0);
  return { rows, commits: commits / turns, byTable, turns, sessions };
}

/** Redis memory per turn and PostgreSQL writes per turn. */
export function footprintSection(results: BenchResults): string {
  const memoryRows = results.redisMemory.map((memory) => [
    systemLabels[memory.deployment],
    format.count(memory.turns),
    `${format.count(memory.running)} (${memory.wordsAtSample.toFixed(0)} of ${memory.words} tokens streamed on average)`,
    format.kilobytes(memory.activeBytesPerTurn),
    format.kilobytes(memory.finishedBytesPerTurn),
    String(memory.failures),
  ]);
  const writes = postgresPerTurn(results);
  const tables = writes
    ? Object.entries(writes.byTable)
        .sort((left, right) => right[1] - left[1])
        .map(([name, rows]) => `${name} ${rows.toFixed(2)}`)
        .join(', ')
    : '—';
  return `## Redis memory and PostgreSQL writes per turn

${table(
  [
    'Deployment',
    'Turns started at once',
    'Running at the first reading',
    'Redis memory per running turn',
    'Redis memory per finished turn',
    'Failed',
  ],
  memoryRows,
)}

At ${results.paced?.tokenDelayMs ?? '—'} ms per token on the paced servers, otherwise idle: \`used_memory\` (on a cluster, summed over its masters) before the turns, once every turn has started streaming and the running ones are half-way on average (or a quarter have ended), and after all have ended, their keys still within the finished-turn TTL. A turn that ended before the first reading counts at the finished figure. \`used_memory\` also moves with client buffers and allocator pages, so small differences are noise.

PostgreSQL, per turn over all distributed turns of the run (\`pg_stat_user_tables\` of each deployment's database once its processes stopped): ${writes ? `${writes.rows.toFixed(2)} rows written (${tables}), ${writes.commits.toFixed(2)} commits (read-only statements outside a transaction included). Each turn had a fresh session, and the load generator creates its sessions ahead, so ${format.count(writes.sessions)} sessions served ${format.count(writes.turns)} turns: a session's own writes weigh more here than in a conversation of several turns` : '—'}.`;
}
