/**
 * What the runner asks the load generator (a separate process) to do, and what it reports back:
 * the job goes in as one JSON argument, the result comes out as one JSON line on stdout.
 */

/** A server under test: the baseline (`POST /chat`) or durable-chat (sessions + stream routes). */
export interface LoadTarget {
  kind: 'baseline' | 'durable';
  baseUrl: string;
}

/**
 * Closed-loop turns: `concurrency` clients, each starting its next turn when its last one ended.
 * Either `turns` measured turns, or a measuring window of `durationMs` after `warmupMs` of load:
 * turns that start inside the window are measured, and the load stays up until they have ended
 * (so none of them sees a lighter load); throughput counts the words that arrive in the window.
 * Every turn asks for `words` words; durable turns each get a fresh session, created before the
 * load starts, so every prompt is the same size as the baseline's and the window measures turns.
 */
export interface TurnsJob {
  type: 'turns';
  target: LoadTarget;
  concurrency: number;
  words: number;
  /** Untimed turns (concurrency 4) before the measured ones. */
  warmupTurns: number;
  /** A fixed number of measured turns… */
  turns?: number;
  /** …or a measuring window. */
  durationMs?: number;
  /** Load before the window opens; only with `durationMs`. */
  warmupMs?: number;
  /**
   * The model's own time for `words` words (words × its delay per token): no turn ends sooner, so
   * a duration run's clients start at most `concurrency × (warmupMs + durationMs) ÷ this` turns
   * before the window closes. Sizes the session pool created before the load.
   */
  shortestTurnMs: number;
  /** Server processes (name → pid) whose CPU use is metered over the measuring window. */
  meterPids: Record<string, number>;
  /** The generator exits with an error past this, whatever happens. */
  timeLimitMs: number;
}

export interface TurnsResult {
  type: 'turns';
  /** Per measured turn, in completion order: headers, first body byte, whole turn. */
  headersMs: number[];
  firstByteMs: number[];
  totalMs: number[];
  /** Turns that did not end with `[DONE]` and every requested word (must be 0). */
  failures: number;
  failureSamples: string[];
  /** Words and SSE events delivered per second (the measuring window, or first start → last end). */
  wordsPerSecond: number;
  eventsPerSecond: number;
  /** Every word the model streamed during the job, warm-up included (for Redis commands/token). */
  wordsStreamed: number;
  measuredTurns: number;
  /**
   * Sessions a client had to create while the load ran, before the window closed, because the
   * pool ran dry (0 unless `shortestTurnMs` was wrong): that creation is load the window measured.
   */
  sessionsCreatedUnderLoad: number;
  elapsedMs: number;
  /**
   * Share of one core each metered process used during the measuring window (1 = a whole core),
   * plus `load generator` for this process.
   */
  windowCpu: Record<string, number>;
  /** The same for the main thread (event loop) of each metered process. */
  windowMainThreadCpu: Record<string, number>;
}

/**
 * Resume of a long turn: one `[demo:slow]` turn of `2 × halfWords` words, whose model falls
 * silent for the server's slow-silence time after `halfWords` words. During that silence, with
 * `halfWords` tokens in the log, `samples` fresh `GET /stream` requests carry a `Last-Event-ID` at
 * a random position; each one's first byte and full catch-up are timed. A last reader then takes
 * the rest of the turn from the last position and checks that every word arrived.
 */
export interface ResumeJob {
  type: 'resume';
  target: LoadTarget;
  halfWords: number;
  samples: number;
  /** The server's DEMO_SLOW_SILENCE_MS: resumes stop this long after the silence began, less a margin. */
  silenceMs: number;
  timeLimitMs: number;
}

export interface ResumeResult {
  type: 'resume';
  firstByteMs: number[];
  /** Until every chunk up to the position the turn had reached was replayed. */
  catchUpMs: number[];
  /** Positions (stream entries) the turn had when the resumes ran. */
  positions: number;
  /** Every word arrived once the turn ended (POST part + final reader). */
  complete: boolean;
  wordsStreamed: number;
}

export type LoadJob = TurnsJob | ResumeJob;
export type LoadResult = TurnsResult | ResumeResult;

/** The generator's output line: the result and the CPU time the generator itself used. */
export interface LoadReport<Result extends LoadResult = LoadResult> {
  result: Result;
  generatorCpuSeconds: number;
}
