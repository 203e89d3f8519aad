import { performance } from 'node:perf_hooks';
import { createSessions, messageText, postTurn } from './chat-requests.ts';
import type { TurnsJob, TurnsResult } from './load-job.ts';
import { cpuSeconds, machineBusySeconds, mainThreadCpuSeconds } from './process-usage.ts';
import { type StreamOutcome, streamRequest } from './stream-client.ts';

const warmupConcurrency = 4;
const turnTimeoutMs = 120_000;

/** Runs a `turns` job (see `TurnsJob`): warm-up, then the measured closed loop. */
export async function runTurns(job: TurnsJob): Promise<TurnsResult> {
  const { target, words } = job;
  const byCount = job.turns !== undefined;
  // Sessions are created before the load, for every turn a client can start before the window
  // closes (plus one per client after it): creating one costs a durable server about as much as a
  // few tokens, and the baseline has none to create, so none may be created inside the window.
  const poolSize = byCount
    ? (job.turns ?? 0)
    : Math.ceil(
        (job.concurrency * ((job.warmupMs ?? 0) + (job.durationMs ?? 0))) /
          Math.max(1, job.shortestTurnMs),
      ) + job.concurrency;
  const sessions = await createSessions(target, job.warmupTurns + poolSize, 32);
  let turnNumber = 0;
  let wordsStreamed = 0;
  const failureSamples: string[] = [];
  let failures = 0;
  let sessionsCreatedUnderLoad = 0;
  const nextSession = async (windowEnd = 0) => {
    const pooled = sessions.pop();
    if (pooled !== undefined) return pooled;
    if (performance.now() < windowEnd) sessionsCreatedUnderLoad += 1;
    return (await createSessions(target, 1))[0] ?? '';
  };

  const check = (outcome: StreamOutcome, expectedWords: number) => {
    wordsStreamed += outcome.words;
    if (outcome.status === 200 && outcome.done && outcome.words === expectedWords) return true;
    failures += 1;
    if (failureSamples.length < 5) {
      failureSamples.push(
        `status ${outcome.status}, done ${outcome.done}, ${outcome.words}/${expectedWords} words ${outcome.plainBody ?? ''}`,
      );
    }
    return false;
  };

  let warmupLeft = job.warmupTurns;
  await Promise.all(
    Array.from({ length: Math.min(warmupConcurrency, job.warmupTurns) }, async () => {
      while (warmupLeft > 0) {
        warmupLeft -= 1;
        turnNumber += 1;
        const text = messageText(turnNumber, words);
        const outcome = await postTurn(target, await nextSession(), text, {
          timeoutMs: turnTimeoutMs,
        });
        check(outcome, words);
      }
    }),
  );

  // One keep-alive connection per client, opened while the server is idle: a server whose event
  // loop is saturated accepts new connections late (its accept queue waited seconds here), so
  // clients that each opened their own at the start of the load ran far fewer turns than the rest
  // and the level ran at a fraction of its nominal concurrency.
  await Promise.all(
    Array.from({ length: job.concurrency }, () =>
      streamRequest({ url: `${target.baseUrl}/health`, method: 'GET', timeoutMs: 30_000 }),
    ),
  );

  const headersMs: number[] = [];
  const firstByteMs: number[] = [];
  const totalMs: number[] = [];
  const started = performance.now();
  const windowStart = started + (byCount ? 0 : (job.warmupMs ?? 0));
  const windowEnd = byCount ? Number.POSITIVE_INFINITY : windowStart + (job.durationMs ?? 0);
  let windowWords = 0;
  let windowEvents = 0;
  let startedTurns = 0;
  /** Measured turns still running: the load stays up until they end, so none sees a lighter one. */
  let measuredRunning = 0;
  let lastEnd = started;
  const wantsAnother = () =>
    byCount
      ? startedTurns < (job.turns ?? 0)
      : performance.now() < windowEnd || measuredRunning > 0;

  const client = async () => {
    while (wantsAnother()) {
      startedTurns += 1;
      turnNumber += 1;
      const sessionId = await nextSession(windowEnd);
      const turnStart = performance.now();
      const measured = turnStart >= windowStart && turnStart < windowEnd;
      if (measured) measuredRunning += 1;
      // Before the window, random lengths: clients that start together would otherwise run in
      // lockstep waves, and a window could fall between two waves.
      const turnWords = turnStart < windowStart ? 1 + Math.floor(Math.random() * 2 * words) : words;
      let counted = 0;
      const outcome = await postTurn(target, sessionId, messageText(turnNumber, turnWords), {
        timeoutMs: turnTimeoutMs,
        onEvent: (progress, data, atMs) => {
          const at = turnStart + atMs;
          if (at >= windowStart && at <= windowEnd) {
            if (data !== '[DONE]') windowEvents += 1;
            windowWords += progress.words - counted;
          }
          counted = progress.words;
        },
      });
      lastEnd = performance.now();
      if (measured) measuredRunning -= 1;
      if (!check(outcome, turnWords) || !measured) continue;
      headersMs.push(outcome.headersMs ?? outcome.totalMs);
      firstByteMs.push(outcome.firstByteMs ?? outcome.totalMs);
      totalMs.push(outcome.totalMs);
    }
  };
  const meter = byCount
    ? startMeter(job.meterPids)
    : new Promise<CpuMeter>((resolve) =>
        setTimeout(() => resolve(startMeter(job.meterPids)), windowStart - performance.now()),
      );
  let windowCpu: Record<string, number> = {};
  let windowMainThreadCpu: Record<string, number> = {};
  const readMeter = async () => {
    ({ shares: windowCpu, mainThreads: windowMainThreadCpu } = await (await meter).read());
  };
  const windowClosed = byCount
    ? undefined
    : new Promise<void>((resolve) =>
        setTimeout(() => resolve(readMeter()), windowEnd - performance.now()),
      );
  await Promise.all(Array.from({ length: job.concurrency }, client));
  if (windowClosed) await windowClosed;
  else await readMeter();
  const seconds = ((byCount ? lastEnd : windowEnd) - windowStart) / 1000;
  return {
    type: 'turns',
    headersMs,
    firstByteMs,
    totalMs,
    failures,
    failureSamples,
    wordsPerSecond: windowWords / seconds,
    eventsPerSecond: windowEvents / seconds,
    wordsStreamed,
    measuredTurns: totalMs.length,
    sessionsCreatedUnderLoad,
    elapsedMs: performance.now() - started,
    windowCpu,
    windowMainThreadCpu,
  };
}

interface CpuMeter {
  read(): Promise<{ shares: Record<string, number>; mainThreads: Record<string, number> }>;
}

/**
 * Starts metering the CPU use of `pids` (and of their main threads), of this process and of the
 * whole machine; `read` gives shares of one core, with `rest of machine` = everything else (other
 * services, other work).
 */
function startMeter(pids: Record<string, number>): CpuMeter {
  const started = performance.now();
  const ownStart = process.cpuUsage();
  const processes = Object.values(pids);
  const serverStart = Promise.all(processes.map(cpuSeconds));
  const mainThreadStart = Promise.all(processes.map(mainThreadCpuSeconds));
  const machineStart = machineBusySeconds();
  return {
    async read() {
      const seconds = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownStart);
      const before = await serverStart;
      const mainBefore = await mainThreadStart;
      const after = await Promise.all(processes.map(cpuSeconds));
      const mainAfter = await Promise.all(processes.map(mainThreadCpuSeconds));
      const machine = (await machineBusySeconds()) - (await machineStart);
      const shares: Record<string, number> = {};
      const mainThreads: Record<string, number> = {};
      let metered = 0;
      for (const [index, name] of Object.keys(pids).entries()) {
        const used = (after[index] ?? 0) - (before[index] ?? 0);
        metered += used;
        shares[name] = used / seconds;
        mainThreads[name] = ((mainAfter[index] ?? 0) - (mainBefore[index] ?? 0)) / seconds;
      }
      const generator = (own.user + own.system) / 1e6;
      shares['load generator'] = generator / seconds;
      shares['rest of machine'] = Math.max(0, machine - metered - generator) / seconds;
      return { shares, mainThreads };
    },
  };
}
