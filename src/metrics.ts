import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one process; a registry per instance so tests never share state. */
export interface Metrics {
  registry: Registry;
  turnsFinished: Counter<'outcome'>;
  activeTurns: Gauge;
  timeToFirstChunkSeconds: Histogram;
  openStreams: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    turnsFinished: new Counter({
      name: 'durable_chat_turns_finished_total',
      help: 'Turns that reached a terminal state, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    activeTurns: new Gauge({
      name: 'durable_chat_active_turns',
      help: 'Turns being run by this process right now',
      registers: [registry],
    }),
    timeToFirstChunkSeconds: new Histogram({
      name: 'durable_chat_time_to_first_chunk_seconds',
      help: 'From enqueueing a turn to its first chunk in the stream registry',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    openStreams: new Gauge({
      name: 'durable_chat_open_streams',
      help: 'SSE responses this process is serving right now',
      registers: [registry],
    }),
  };
}
