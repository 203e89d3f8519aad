import type { BenchResults } from './bench-results.ts';
import { checkTargets, format } from './bench-targets.ts';
import { databasePoolSize, turnConcurrency } from './bench-systems.ts';
import { explainResults } from './benchmark-notes.ts';
import { capacitySection, footprintSection } from './capacity-section.ts';
import {
  idleSection,
  latencySection,
  redisSection,
  resumeSection,
  table,
  throughputSection,
} from './report-sections.ts';

/** BENCHMARKS.md for one run: machine, method, targets, one table per section, notes. */
export function renderReport(results: BenchResults): string {
  const { plan, machine } = results;
  const checks = checkTargets(results);
  const sections: string[] = [];
  sections.push(`# Benchmarks

Written by \`npm run bench${plan.name === 'quick' ? ' -- --quick' : ''}\` (${plan.name} plan) on ${results.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC in ${results.durationSeconds.toFixed(0)} s. Do not edit by hand: run it again. Each figure sits next to a baseline measured in the same run, within a minute of it.

**Code:** ${machine.revision}. **Machine:** ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb.toFixed(0)} GB RAM; Node ${machine.node}; Redis ${machine.redis} (${results.privateRedis ? 'a private `redis-server` started for the run' : 'shared'}${results.clusterSkipped ? '' : ', and a private Redis Cluster of three masters'}); PostgreSQL ${machine.postgres}; RabbitMQ local (shared). Load average (1 min) ${machine.loadAverageBefore.toFixed(2)} before, ${machine.loadAverageAfter.toFixed(2)} after: the load generator, the servers and the services all share these ${machine.cpus} cores${machine.loadAverageBefore > 1 ? ', and other work was running when the run started' : ''}.`);

  const order = [
    'baseline',
    'embedded',
    'distributed',
    ...(results.clusterSkipped ? [] : ['distributed on the cluster']),
  ].join(', ');
  const levels = plan.levels
    .map((level) =>
      level.turns !== undefined
        ? `${level.concurrency} concurrent (${level.turns} turns per round)`
        : `${level.concurrency} concurrent (${(level.durationMs ?? 0) / 1000} s window per round after ${(level.warmupMs ?? 0) / 1000} s of load)`,
    )
    .join(', ');
  const sessionsUnderLoad = [...results.levels, ...(results.paced?.levels ?? [])]
    .flatMap((level) => Object.values(level.systems))
    .reduce((sum, measured) => sum + (measured.sessionsCreatedUnderLoad ?? 0), 0);
  sections.push(`## Method

- **Same model everywhere.** The built-in demo model, ${plan.demo.tokenDelayMs} ms between tokens (so the machinery, not the model, is measured), one word per token, ${plan.words} words per turn, on the model's own clock (a word is due a fixed time after the previous one was due, whatever the reader does; everything due is handed over once per turn of the event loop, as a remote provider's words arrive with each socket read) (\`[demo:words=${plan.words}]\`); the executor's system prompt, tools and \`streamText\` settings.
- **Baseline** (\`bench/baseline-server.ts\`): that model streamed straight through \`createUIMessageStreamResponse(result.toUIMessageStream())\` from a plain \`node:http\` server — no store, registry, queue or resume.
- **Embedded**: \`src/main/all-in-one.ts\` (API + executor in one process, PGlite in a temp DATA_DIR on a worker thread of that process, in-memory registry and queue).
- **Distributed**: 1 \`src/main/api.ts\` + 1 \`src/main/executor.ts\` on a fresh PostgreSQL database, Redis and RabbitMQ, a random \`KEY_PREFIX\`, and the product's defaults otherwise: \`COALESCE_WINDOW_MS=${results.coalesceWindowMs}\`. ${results.clusterSkipped ? `**No Redis Cluster rows:** ${results.clusterSkipped}.` : '**Distributed (Redis Cluster, 3 masters)**: the same two processes with `REDIS_CLUSTER=true` and `REDIS_URL` at one master of a private three-master cluster (`redis-server --cluster-enabled yes` × 3, `redis-cli --cluster create`), without replicas.'} The durable systems run with \`TURN_CONCURRENCY=${turnConcurrency}\`, so no turn waits in the queue for a free slot, and the distributed ones with \`DATABASE_POOL_SIZE=${databasePoolSize}\` (the default of 10 is for 5 turns per executor; two deployments with more would not fit PostgreSQL's 100 connections), so fewer turns wait for a PostgreSQL connection.
- **Load generator** (\`bench/load-generator.ts\`): a separate Node process per run, HTTP to 127.0.0.1 only, bounded in turns and time. Closed loop: each client starts its next turn when its last one ended, on its own keep-alive connection opened before the load (a server whose event loop is saturated accepts new connections seconds late: opened under load, most of a level's connections waited in its accept queue and the level ran at a fraction of its concurrency). AI SDK transport body; one fresh session per durable turn, so every prompt matches the baseline's (sessions are created before the load starts: one for every turn the clients could start before the window closes if each took only the model's own time, plus one per client; ${sessionsUnderLoad === 0 ? 'no pool ran dry, so no session was created under load' : `pools ran dry: ${sessionsUnderLoad} sessions were created inside windows, one at a time`}). Every turn is checked: \`[DONE]\` and exactly the words it asked for. *First byte* = first body byte of the \`POST\` (the \`start\` chunk); *turn* = request to \`[DONE]\`; *overhead* = a percentile of turn time minus the same percentile of the baseline's.
- **Levels:** ${levels}; ${plan.rounds === 1 ? `one round per system (${order} back to back)` : `${plan.rounds} rounds per system, interleaved (${order}, then the reverse order), turns of all rounds pooled`}. Before each window, turns of random length desynchronise the clients; turns that start inside the window are measured, and the load stays up until they have ended. ${plan.warmupTurns} untimed warm-up turns start every run. *Tokens/s* = tokens reaching clients inside the window; *at saturation* = ${plan.saturationConcurrency} concurrent. *CPU* = each process's share of one core during the window, all its threads; where its other threads (a worker, the garbage collector) used a tenth of a core or more, its main thread (the event loop) is shown apart. Then, on fresh servers whose model waits ${plan.paced.tokenDelayMs} ms per token (a real model's pace), ${plan.paced.levels.map((level) => `${level.concurrency} concurrent (${(level.durationMs ?? 0) / 1000} s window after ${(level.warmupMs ?? 0) / 1000} s of load)`).join(' and ')}, one round per system, after ${plan.paced.warmupTurns} untimed warm-up turns; at 50 no process is CPU-bound, at the higher level this box's two cores may be.
- **Resume:** one \`[demo:slow]\` turn of ${format.count(plan.resume.halfWords * 2)} tokens whose model falls silent for ${plan.demo.slowSilenceMs / 1000} s after ${format.count(plan.resume.halfWords)}; the \`POST\` reader leaves there; then ${plan.resume.samples} \`GET /stream\` requests, one at a time after 3 untimed ones, carry \`Last-Event-ID\` at a random position; *first byte* and *catch-up* (to the last position) are timed. A last reader takes the rest of the turn; every word must arrive exactly once.
- **Redis commands per token:** \`INFO commandstats\` (on the cluster: summed over its masters) before and after each distributed run ÷ the tokens the model streamed in it (warm-up included), at both paces; this counts commands run inside Lua scripts too. Accounting runs then repeat each 1 ms level briefly on the standalone deployment with \`MONITOR\` on, which tells the commands each process sends from those its scripts run. The standalone Redis is ${results.privateRedis ? "a private `redis-server` started for the run, so every counted command is the deployment's" : "the shared one (`BENCH_REDIS_URL`): counts include other clients' commands"}.
- **Redis memory per turn:** on the paced servers, ${format.count(plan.paced.memoryTurns)} turns of ${plan.words} tokens started at once on each distributed deployment; \`used_memory\` growth while they run and after they end (their keys within the finished-turn TTL), ÷ turns. **PostgreSQL writes per turn:** rows inserted, updated or deleted (\`pg_stat_user_tables\`) ÷ turns, read from each deployment's database once its processes stopped.
- **Capacity plan:** computed from the paced runs' CPU per token and Redis commands per token, the Redis memory per turn and the PostgreSQL writes per turn; its assumptions are stated under it.
- **Idle subscribers** (\`bench/idle-subscribers.ts\`, own process, \`--expose-gc\`): one \`RedisStreamRegistry\` (what an API process holds), N running turns without chunks, one \`read()\` per turn parked waiting for its next chunk; heap growth after GC ÷ N, and \`CLIENT LIST\` entries under the registry's client name. The real API process's connections come from \`ss\`.`);

  sections.push(`## Targets

${table(
  ['Target', 'Baseline', 'Value', 'Ratio', 'Goal', 'Result'],
  checks.map((check) => [
    check.target,
    check.baseline,
    check.value,
    format.ratio(check.ratio),
    check.goal,
    check.pass ? 'PASS' : '**MISS**',
  ]),
)}`);

  sections.push(
    latencySection(results),
    throughputSection(results),
    resumeSection(results),
    redisSection(results),
    footprintSection(results),
    capacitySection(results),
    idleSection(results),
  );
  sections.push(
    `## Notes\n\n${explainResults(results, checks)
      .map((note) => `- ${note}`)
      .join('\n')}`,
  );
  return `${sections.join('\n\n')}\n`;
}
