import type { Consumer } from '../queue/turn-queue.ts';
import { operationCompletionHandler } from '../turn/apply-operation-completion.ts';
import type { Runtime } from './create-runtime.ts';

/**
 * Every process that serves the API applies the operation completions services publish to the
 * turn queue (RabbitMQ; the embedded queue has no publishers: there the webhook is the way).
 */
export function consumeOperationCompletions(runtime: Runtime): Promise<Consumer> {
  return runtime.api.queue.consumeOperationCompletions(operationCompletionHandler(runtime.api));
}
