import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one process; a registry per instance so tests never share state. */
export interface Metrics {
  registry: Registry;
  turnsFinished: Counter<'outcome'>;
  activeTurns: Gauge;
  timeToFirstChunkSeconds: Histogram;
  openStreams: Gauge;
  operationsStarted: Counter<'tool'>;
  operationsEnded: Counter<'outcome'>;
  operationAgeSeconds: Histogram<'outcome'>;
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
    operationsStarted: new Counter({
      name: 'durable_chat_operations_started_total',
      help: 'Long-running operations this process started, by tool',
      labelNames: ['tool'],
      registers: [registry],
    }),
    operationsEnded: new Counter({
      name: 'durable_chat_operations_ended_total',
      help: 'Long-running operations this process ended, by outcome (completed, failed, expired, cancelled)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    operationAgeSeconds: new Histogram({
      name: 'durable_chat_operation_age_seconds',
      help: 'From starting a long-running operation to its end, by outcome',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
  };
}
