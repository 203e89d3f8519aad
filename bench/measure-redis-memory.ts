import type { DeploymentName, RedisMemoryMeasurement } from './bench-results.ts';
import type { BenchSystem } from './bench-systems.ts';
import { createSessions, messageText, postTurn } from './chat-requests.ts';
import type { RedisUnderTest } from './redis-under-test.ts';

const pollMs = 10;

/**
 * Redis memory per turn on an otherwise idle deployment: `turns` turns of `words` tokens start
 * at once; `used_memory` is read once every one of them has started streaming and those still
 * running are half-way on average (or a quarter of them ended), and again after they have all
 * ended, when their keys are still within the finished-turn TTL.
 *
 * A turn that already ended at the first reading is counted at the finished figure, so the
 * active one is (growth − ended × finished per turn) ÷ still running. Runs in the runner's own
 * process: it times nothing, it only holds the streams open.
 */
export async function measureRedisMemory(
  system: BenchSystem & { name: DeploymentName },
  redis: RedisUnderTest,
  turns: number,
  words: number,
): Promise<RedisMemoryMeasurement> {
  const sessions = await createSessions(system.target, turns, 16);
  const before = await redis.usedMemory();
  const received = new Array<number>(turns).fill(0);
  const ended = new Array<boolean>(turns).fill(false);
  let failures = 0;
  let settled = false;
  const allEnded = Promise.all(
    sessions.map(async (sessionId, index) => {
      const outcome = await postTurn(system.target, sessionId, messageText(index, words), {
        timeoutMs: 120_000,
        onEvent: (progress) => {
          received[index] = progress.words;
        },
      });
      ended[index] = true;
      if (!outcome.done || outcome.words !== words) failures += 1;
    }),
  ).finally(() => (settled = true));
  const runningWords = () => received.filter((_, index) => !ended[index]);
  const sampleTime = () => {
    const running = runningWords();
    const endedCount = turns - running.length;
    if (running.includes(0)) return false;
    const average = running.reduce((sum, count) => sum + count, 0) / Math.max(1, running.length);
    return average >= words / 2 || endedCount >= turns / 4;
  };
  while (!settled && !sampleTime()) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const whileRunning = await redis.usedMemory();
  const atSample = runningWords();
  const running = atSample.length;
  await allEnded;
  const after = await redis.usedMemory();
  const finishedBytesPerTurn = (after - before) / turns;
  const endedEarly = turns - running;
  return {
    deployment: system.name,
    turns,
    words,
    running,
    failures,
    wordsAtSample: atSample.reduce((sum, count) => sum + count, 0) / Math.max(1, running),
    activeBytesPerTurn:
      running === 0
        ? Number.NaN
        : (whileRunning - before - endedEarly * finishedBytesPerTurn) / running,
    finishedBytesPerTurn,
  };
}
