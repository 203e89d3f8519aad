import { QueueUnavailableError } from '../turn-queue.ts';

/**
 * `promise`, or a QueueUnavailableError with `message` once `timeoutMs` has passed: the broker
 * answers a healthy client at once, so silence past the deadline means it cannot answer now.
 * The timer is cleared either way, so a settled call leaves nothing running.
 */
export async function withinDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  message: string,
): Promise<T> {
  const deadline = Promise.withResolvers<never>();
  const timer = setTimeout(() => deadline.reject(new QueueUnavailableError(message)), timeoutMs);
  try {
    return await Promise.race([promise, deadline.promise]);
  } finally {
    clearTimeout(timer);
  }
}
