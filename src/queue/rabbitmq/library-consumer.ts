import type { Consumer } from 'rabbitmq-client';
import type { HandlerSlots } from './handler-slots.ts';

/** Whether `consumer` consumes within `timeoutMs` (the library names it once it does). */
export function consuming(consumer: Consumer, timeoutMs: number): Promise<boolean> {
  if (consumer.consumerTag !== '') return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (started: boolean) => {
      clearTimeout(timer);
      consumer.off('ready', onReady);
      resolve(started);
    };
    const onReady = () => settle(true);
    const timer = setTimeout(() => settle(false), timeoutMs);
    consumer.on('ready', onReady);
  });
}

/** Stops taking deliveries, then waits for every handler, those of lost connections too. */
export async function stopConsumer(consumer: Consumer, slots: HandlerSlots): Promise<void> {
  const drained = slots.stop();
  await consumer.close();
  await drained;
}
