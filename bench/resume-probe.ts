import { performance } from 'node:perf_hooks';
import { createSession, messageText, postTurn, resumeTurn } from './chat-requests.ts';
import type { ResumeJob, ResumeResult } from './load-job.ts';

/** Resumes whose timings are dropped: the first requests of a process pay for cold code paths. */
const discardedSamples = 3;
/** Resumes stop this long before the model's silence ends, so the log does not grow under them. */
const silenceMarginMs = 400;
const requestTimeoutMs = 30_000;

/** Runs a `resume` job (see `ResumeJob`) against durable-chat. */
export async function runResume(job: ResumeJob): Promise<ResumeResult> {
  const { baseUrl } = job.target;
  const sessionId = await createSession(baseUrl);
  const totalWords = job.halfWords * 2;
  // The POST reader leaves (as a closing tab does) once the first half is in; the turn goes on.
  const first = await postTurn(job.target, sessionId, messageText(1, totalWords, '[demo:slow] '), {
    timeoutMs: requestTimeoutMs + job.silenceMs * 2,
    stopWhen: (progress) => progress.words >= job.halfWords,
  });
  const silenceStarted = performance.now();
  const deadline = silenceStarted + job.silenceMs - silenceMarginMs;
  const positions = first.lastPosition;
  const turnId = first.lastEventId?.slice(0, first.lastEventId.lastIndexOf(':'));
  if (first.status !== 200 || first.words < job.halfWords || !turnId || positions < 2) {
    throw new Error(
      `the resume turn did not reach its silence: status ${first.status}, ${first.words} words, position ${positions}`,
    );
  }

  const firstByteMs: number[] = [];
  const catchUpMs: number[] = [];
  for (let sample = 0; sample < job.samples + discardedSamples; sample += 1) {
    if (performance.now() >= deadline) break;
    // At least one chunk to replay, so the first byte never waits for the model.
    const cursor = Math.floor(Math.random() * positions);
    const resumed = await resumeTurn(baseUrl, sessionId, `${turnId}:${cursor}`, {
      timeoutMs: requestTimeoutMs,
      stopWhen: (progress) => progress.lastPosition >= positions,
    });
    if (resumed.status !== 200 || resumed.lastPosition !== positions) {
      throw new Error(
        `resume after ${cursor} failed: status ${resumed.status}, reached ${resumed.lastPosition}/${positions} ${resumed.plainBody ?? ''}`,
      );
    }
    if (sample < discardedSamples) continue;
    firstByteMs.push(resumed.firstByteMs ?? resumed.totalMs);
    catchUpMs.push(resumed.totalMs);
  }

  // The rest of the turn, from where the first reader left: together exactly every word.
  const rest = await resumeTurn(baseUrl, sessionId, `${turnId}:${positions}`, {
    timeoutMs: requestTimeoutMs + job.silenceMs * 2,
  });
  return {
    type: 'resume',
    firstByteMs,
    catchUpMs,
    positions,
    complete: rest.done && first.words + rest.words === totalWords,
    wordsStreamed: totalWords,
  };
}
