import {
  type BenchResults,
  type LevelMeasurement,
  type LevelResults,
  type RedisPhase,
  systemLabels,
} from './bench-results.ts';
import {
  commandTotals,
  commandsPerToken,
  describeCpu,
  format,
  levelAt,
  pacedLevelAt,
  pacedPhase,
  type TargetCheck,
} from './bench-targets.ts';
import { quantileBucket } from './distributed-meter.ts';
import { measuredSystems } from './report-sections.ts';

type DurableName = 'embedded' | 'distributed';

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

function serverCpu(measured: LevelMeasurement): string {
  return describeCpu(measured, { serversOnly: true });
}

/**
 * The notes under the tables: whether the run is valid, how busy the box was, where the time
 * goes, and for each missed target the reason the figures themselves give.
 */
export function explainResults(results: BenchResults, checks: TargetCheck[]): string[] {
  const notes = [validity(results), machineLoad(results)];
  const saturation = levelAt(results, results.plan.saturationConcurrency);
  if (saturation) {
    const cpu = measuredSystems(saturation)
      .map(([name, measured]) => `${systemLabels[name]}: ${serverCpu(measured)}`)
      .join('; ');
    notes.push(
      `**${saturation.level.concurrency} concurrent turns ran** on this 2-core box, load generator included. Every server process is CPU-bound there (${cpu}). The baseline is one event loop, so one core is its ceiling. The embedded product's event loop (its main thread) does the same streaming work; its store, PGlite, runs on a worker thread, so the all-in-one figure also counts that thread and V8's garbage-collection threads, which share the second core with the load generator. The distributed deployments spread the work over an API and an executor process.`,
    );
  }
  const one = levelAt(results, 1);
  if (one) notes.push(uncontended(one, results.coalesceWindowMs));
  notes.push(distributedFirstByte(results));
  const paced = pacedCommands(results);
  if (paced) notes.push(paced);
  for (const check of checks.filter((candidate) => !candidate.pass)) {
    notes.push(`**MISS — ${check.target}.** ${whyMissed(results, check)}`);
  }
  return notes;
}

function validity(results: BenchResults): string {
  const failures = [...results.levels, ...(results.paced?.levels ?? [])].flatMap((level) =>
    measuredSystems(level)
      .filter(([, measured]) => measured.failures > 0)
      .map(
        ([name, measured]) =>
          `${systemLabels[name]} at ${level.level.concurrency}: ${measured.failures} (${measured.failureSamples.join('; ')})`,
      ),
  );
  const incomplete = Object.entries(results.resume).filter(([, resume]) => !resume?.complete);
  if (results.accountingFailures > 0) {
    failures.push(`${results.accountingFailures} in the accounting runs`);
  }
  for (const memory of results.redisMemory.filter((measured) => measured.failures > 0)) {
    failures.push(`${memory.failures} in the Redis memory probe (${memory.deployment})`);
  }
  if (failures.length === 0 && incomplete.length === 0) {
    return 'Every turn of every run ended with `[DONE]` and exactly the words it asked for, on every system; every resume replayed exactly the positions after its cursor, and the words of each resumed turn arrived exactly once.';
  }
  const broken = incomplete.map(([name]) => `${name} resume lost or repeated words`);
  return `**Failures:** ${[...failures, ...broken].join(' · ')}.`;
}

function machineLoad(results: BenchResults): string {
  const others = results.levels.flatMap((level) =>
    Object.values(level.systems).map((measured) => measured.cpu['rest of machine'] ?? 0),
  );
  const average = others.reduce((sum, share) => sum + share, 0) / Math.max(1, others.length);
  const rounds =
    results.plan.rounds > 1
      ? `Each level ran ${results.plan.rounds} interleaved rounds per system to spread such noise evenly.`
      : 'This plan ran one round per level, so a burst of other work can land on one system only.';
  return `**A shared box.** Outside the measured processes the machine was busy ${percent(average)} of a core on average during the windows (at most ${percent(Math.max(...others))}): PostgreSQL and RabbitMQ working for the distributed deployment, and other test suites that share these services and cores. Such work slows every system, the distributed one (which needs PostgreSQL and RabbitMQ) most; runs at different times differ by tens of percent. ${rounds}`;
}

function uncontended(one: LevelResults, coalesceWindowMs: number): string {
  const base = one.systems.baseline;
  const describe = (name: DurableName) => {
    const measured = one.systems[name];
    return `${name} ${format.signedMs(measured.total.p50 - base.total.p50)} (first byte ${format.signedMs(measured.firstByte.p50 - base.firstByte.p50)})`;
  };
  return `**Per-turn overhead without contention** (1 concurrent turn, p50): ${describe('embedded')}, ${describe('distributed')}. The distributed first byte includes the API's work before it answers (headers after ${format.ms(one.systems.distributed.headers.p50)}: session check, Redis open-turn script, PostgreSQL insert, RabbitMQ publish with confirm), the executor taking the job (lease, history from PostgreSQL, starting the model) and the first append (a turn's first chunk is written at once; later ones wait up to the ${coalesceWindowMs} ms \`COALESCE_WINDOW_MS\`, the default).`;
}

function distributedFirstByte(results: BenchResults): string {
  const parts = results.levels
    .filter((level) => level.level.concurrency > 1)
    .map((level) => {
      const label = `${level.level.concurrency} concurrent`;
      const histogram = results.executorFirstChunk[label] ?? [];
      const measured = level.systems.distributed;
      return `at ${level.level.concurrency} concurrent turns the API answers in ${format.ms(measured.headers.p50)} (p50) and the first byte arrives after ${format.ms(measured.firstByte.p50)}, while the executor's own \`durable_chat_time_to_first_chunk_seconds\` (enqueue → first chunk) has its median in ${quantileBucket(histogram, 0.5)}`;
    });
  return `**Where the distributed first byte goes under load:** ${parts.join('; ')}. On a CPU-bound executor a new turn's start (lease, history, model start: several awaited round trips) waits behind the streaming work of the turns already running; the baseline starts streaming at once.`;
}

function whyMissed(results: BenchResults, check: TargetCheck): string {
  const { plan } = results;
  const name: DurableName = check.target.startsWith('embedded') ? 'embedded' : 'distributed';
  const saturation = levelAt(results, plan.saturationConcurrency);
  if (check.target.includes('throughput') && saturation) {
    const embedded =
      'the chunk log, its fan-out to the reader and SSE encoding with `id:` lines on its event loop, while its store (PGlite, Postgres compiled to WASM, on a worker thread) and the garbage collector of both threads need the second core, which the load generator also uses';
    const distributed =
      'the Redis appends and reads, PostgreSQL and RabbitMQ round trips, and a second HTTP hop between executor and API';
    const baselineCpu = percent(saturation.systems.baseline.cpu['baseline-server'] ?? 0);
    return `At ${saturation.level.concurrency} concurrent turns ${name} used ${serverCpu(saturation.systems[name])} of a core, the baseline's server ${baselineCpu}. ${name === 'embedded' ? 'The all-in-one process' : 'The deployment'} does the baseline's whole work (the same \`streamText\` → UI message stream pipeline, most of the cost) plus ${name === 'embedded' ? embedded : distributed}.`;
  }
  const pacedCommandsTarget = /^Redis commands per token incl\. Lua, (\d+) concurrent/.exec(
    check.target,
  );
  if (pacedCommandsTarget) {
    const deployment = check.target.endsWith('Redis Cluster (3 masters)')
      ? 'cluster'
      : 'distributed';
    const phase = pacedPhase(results, deployment, Number(pacedCommandsTarget[1]));
    return phase ? describeCommands(phase, results.coalesceWindowMs) : 'See the Redis table.';
  }
  const pacedFifty = pacedLevelAt(results, 50);
  if (check.target.includes('ms per token') && check.target.includes('overhead') && pacedFifty) {
    const paced = pacedFifty;
    const overhead = paced.systems[name].total.p50 - paced.systems.baseline.total.p50;
    const firstByte = paced.systems[name].firstByte.p50 - paced.systems.baseline.firstByte.p50;
    const afterFirstByte = overhead - firstByte;
    const start =
      name === 'distributed'
        ? `the first byte costs ${format.signedMs(firstByte)}: the API's work (session check, open-turn script, PostgreSQL insert, RabbitMQ publish with confirm), the hop through RabbitMQ to the executor and its start (lease, history from PostgreSQL, the model) — each a network round trip the baseline does not make`
        : `the first byte costs ${format.signedMs(firstByte)}: the session check, persisting the user message and the turn, reading the history (each a call to the store thread and a few PGlite statements) before the model starts`;
    if (afterFirstByte < 5)
      return `Here ${start}; after it, the turn streams as fast as the baseline's.`;
    return `Here ${start}. The rest, ${format.signedMs(afterFirstByte)}, comes after the last word: the terminal chunk is published only once the answer is persisted (claim the close, read the chunk log, fold it, write the message to the ${name === 'distributed' ? 'PostgreSQL database' : 'store thread'}: invariant 5)${name === 'distributed' ? ', and the last words may wait out the coalescing window' : ''}; the baseline persists nothing. (${name}: ${serverCpu(paced.systems[name])}; baseline: ${serverCpu(paced.systems.baseline)}.)`;
  }
  if (check.target.includes('overhead')) {
    const fifty = levelAt(results, 50);
    if (!fifty) return '';
    const predicted = (measured: LevelMeasurement) =>
      (fifty.level.concurrency * plan.words * 1000) / measured.wordsPerSecond;
    const pacedFifty = pacedLevelAt(results, 50);
    const paced = pacedFifty
      ? ` With the model at ${results.paced?.tokenDelayMs} ms per token, where nothing is CPU-bound, the same turns cost ${name} ${format.signedMs(pacedFifty.systems[name].total.p50 - pacedFifty.systems.baseline.total.p50)} at p50.`
      : '';
    return `At 50 concurrent turns every server is already CPU-bound, so a turn's time follows throughput, not per-turn latency: 50 turns × ${plan.words} tokens ÷ tokens/s predicts ${format.ms(predicted(fifty.systems[name]))} for ${name} and ${format.ms(predicted(fifty.systems.baseline))} for the baseline (measured p50: ${format.ms(fifty.systems[name].total.p50)} and ${format.ms(fifty.systems.baseline.total.p50)}). The overhead is the throughput gap showing up as queueing, and cannot be a few milliseconds while that gap exists.${paced}`;
  }
  if (check.target.includes('p99 turn time')) {
    return 'Same cause as the throughput gap: at 200 concurrent turns a turn waits for the CPU work queued ahead of each of its tokens.';
  }
  if (check.target.includes('resume')) {
    return 'A resume is one `GET` that reads the active turn and replays the log from the cursor; its first byte waits for that read and the first replayed chunk.';
  }
  if (check.target.includes('commands per token the processes send')) {
    return `Per token, script calls (mostly appends) and all commands the processes send: ${appendsPerLevel(results)}. The executor merges a turn's deltas that arrive within \`COALESCE_WINDOW_MS\` (${results.coalesceWindowMs} ms) into one append (its first chunk goes at once), but one turn's tokens come ${tokenGaps(results)}: at the highest level further apart than the window, so most appends carry one or two tokens. Every turn also has fixed commands (open, lease, claim and publish close, reads), ${fixedCommands(results)}.`;
  }
  if (check.target.includes('inside Lua')) {
    const totals = commandTotals(results);
    const accounting = results.redisPhases.filter((phase) => phase.accounting);
    const inside = accounting.reduce((sum, phase) => sum + (phase.insideScripts ?? 0), 0);
    const scripts = accounting.reduce((sum, phase) => sum + (phase.commands.evalsha ?? 0), 0);
    return `Every atomic operation is one Lua script, one round trip; each script runs ${(inside / Math.max(1, scripts)).toFixed(1)} commands inside Redis on average (an append: HMGET, one XADD per chunk, HSET; opening, leasing, claiming and closing a turn run more), and Redis counts those too. Script calls alone are ${(totals.scripts / totals.words).toFixed(3)} per token, and all commands the processes send ${(totals.sent / Math.max(1, totals.accountedWords)).toFixed(3)}. Under 0.5 in all would take about one append per ten tokens, a coalescing window several times the gap between one turn's tokens under load (${tokenGaps(results)}), which would delay every token by that much.`;
  }
  return 'See the tables above.';
}

/** A note on commands per token at the paced runs, per deployment and level. */
function pacedCommands(results: BenchResults): string | undefined {
  const parts = (results.paced?.levels ?? []).flatMap((level) =>
    (['distributed', 'cluster'] as const).flatMap((deployment) => {
      const phase = pacedPhase(results, deployment, level.level.concurrency);
      if (!phase || phase.words === 0) return [];
      return [
        `${commandsPerToken(phase).toFixed(2)} (${((phase.commands.evalsha ?? 0) / phase.words).toFixed(2)} script calls) with ${level.level.concurrency} concurrent turns on ${deployment === 'cluster' ? 'the cluster' : 'standalone Redis'}`,
      ];
    }),
  );
  if (parts.length === 0) return undefined;
  return `**Redis at a real model's pace.** With ${results.paced?.tokenDelayMs} ms between a turn's tokens and \`COALESCE_WINDOW_MS=${results.coalesceWindowMs}\`, Redis executes per token (Lua included): ${parts.join('; ')}. When one turn's tokens come further apart than the window, coalescing merges little within a turn, so what decides the count is how many commands each append costs.`;
}

/** What the commands of a phase were, per token, and how many tokens each stream entry held. */
function describeCommands(phase: RedisPhase, coalesceWindowMs: number): string {
  const top = Object.entries(phase.commands)
    .sort((left, right) => right[1] - left[1])
    .slice(0, 5)
    .map(([name, calls]) => `${name} ${(calls / phase.words).toFixed(2)}`)
    .join(', ');
  const entries = phase.commands.xadd ?? 0;
  const perEntry =
    entries > 0
      ? `${(phase.words / entries).toFixed(1)} tokens per stream entry (XADD)`
      : 'no XADD';
  return `Per token: ${top} (\`INFO commandstats\`; a script's inner commands count each); ${perEntry}, with \`COALESCE_WINDOW_MS=${coalesceWindowMs}\` and ${phase.tokenDelayMs} ms between one turn's tokens. The count falls as an append costs fewer commands (a pipelined XADD still counts one each), or as a stream entry carries more tokens.`;
}

function appendsPerLevel(results: BenchResults): string {
  return results.redisPhases
    .filter((phase) => phase.accounting && phase.words > 0)
    .map(
      (phase) =>
        `${((phase.commands.evalsha ?? 0) / phase.words).toFixed(2)} and ${(sumSent(phase.sent) / phase.words).toFixed(2)} at ${phase.label.replace(', MONITOR on', '')}`,
    )
    .join(', ');
}

function sumSent(sent: Record<string, number> | undefined): number {
  return Object.entries(sent ?? {})
    .filter(([name]) => name === 'api' || name === 'executor')
    .reduce((sum, [, calls]) => sum + calls, 0);
}

function tokenGaps(results: BenchResults): string {
  return results.levels
    .map(
      (level) =>
        `${format.ms((1000 * level.level.concurrency) / level.systems.distributed.wordsPerSecond)} apart with ${level.level.concurrency} concurrent turn${level.level.concurrency === 1 ? '' : 's'}`,
    )
    .join(', ');
}

function fixedCommands(results: BenchResults): string {
  const single = results.redisPhases.find(
    (phase) => phase.accounting && phase.label.startsWith('1 concurrent'),
  );
  if (!single?.sent) return 'which weigh most in short turns';
  const sent = Object.entries(single.sent)
    .filter(([name]) => name === 'api' || name === 'executor')
    .reduce((sum, [, calls]) => sum + calls, 0);
  const turns = single.words / results.plan.words;
  return `about ${(sent / turns).toFixed(0)} commands per ${results.plan.words}-token turn at 1 concurrent turn, where coalescing works best`;
}
