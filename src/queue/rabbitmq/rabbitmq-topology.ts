import type { Cmd, Connection, ConsumerProps, MethodParams } from 'rabbitmq-client';

export const defaultTurnQueueName = 'durable-chat.turns';
export const defaultCancelExchangeName = 'durable-chat.cancels';
/** The seed's names, so a service written for it completes operations here unchanged. */
export const defaultOperationCompletionExchangeName = 'chat_operations';
export const defaultOperationCompletionQueueName = 'chat_operation_complete';
export const operationCompletionRoutingKey = 'operation.complete';

/** Where one deployment's queue lives; every process of it uses the same names. */
export interface TopologyNames {
  turnQueueName: string;
  cancelExchangeName: string;
  operationCompletionExchangeName: string;
  operationCompletionQueueName: string;
}

type QueueDeclaration = MethodParams[Cmd.QueueDeclare];

/** Jobs survive a broker restart and a node loss: durable, replicated (quorum). */
export function turnQueueDeclaration(names: TopologyNames): QueueDeclaration {
  return { queue: names.turnQueueName, durable: true, arguments: { 'x-queue-type': 'quorum' } };
}

/**
 * The seed's completion queue, classic and durable as it and the services built for it declare
 * it (a different type would make their declarations fail), bound to its direct exchange.
 */
export function completionConsumerTopology(
  names: TopologyNames,
): Pick<ConsumerProps, 'queue' | 'queueOptions' | 'exchanges' | 'queueBindings'> {
  return {
    queue: names.operationCompletionQueueName,
    queueOptions: { durable: true },
    exchanges: [{ exchange: names.operationCompletionExchangeName, type: 'direct', durable: true }],
    queueBindings: [
      {
        queue: names.operationCompletionQueueName,
        exchange: names.operationCompletionExchangeName,
        routingKey: operationCompletionRoutingKey,
      },
    ],
  };
}

/**
 * One exclusive, auto-delete, server-named queue per instance on the cancel fanout exchange:
 * every instance hears every cancel, and its queue goes away with its connection.
 */
export function cancelListenerTopology(
  names: TopologyNames,
): Pick<ConsumerProps, 'queue' | 'queueOptions' | 'exchanges' | 'queueBindings'> {
  return {
    queue: '',
    queueOptions: { exclusive: true, autoDelete: true, durable: false },
    exchanges: [{ exchange: names.cancelExchangeName, type: 'fanout', durable: true }],
    // An empty queue name binds the queue the broker has just named on the same channel.
    queueBindings: [{ exchange: names.cancelExchangeName, queue: '', routingKey: '' }],
  };
}

/**
 * Declares everything an instance publishes to, on the connection's own channel (idempotent).
 * The completion queue is among it so that a completion published before any API consumes
 * waits there instead of being unroutable.
 */
export async function declareTopology(connection: Connection, names: TopologyNames): Promise<void> {
  const completion = completionConsumerTopology(names);
  await connection.queueDeclare(turnQueueDeclaration(names));
  await connection.queueDeclare({ queue: names.operationCompletionQueueName, durable: true });
  await connection.exchangeDeclare({
    exchange: names.cancelExchangeName,
    type: 'fanout',
    durable: true,
  });
  for (const exchange of completion.exchanges ?? []) await connection.exchangeDeclare(exchange);
  for (const binding of completion.queueBindings ?? []) await connection.queueBind(binding);
}
