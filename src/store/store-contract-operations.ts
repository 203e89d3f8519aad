import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import { continuationMessageId } from '../protocol/operation-outputs.ts';
import type { ChatStore, StartOperationInput, StoredTurn } from './chat-store.ts';
import { SessionNotFoundError } from './chat-store-errors.ts';
import {
  type CreateChatStore,
  randomDelay,
  storeTest,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/**
 * Long-running operations: one in progress per tool input and session, ended exactly once, the
 * outcome shown in the tool part that started it (stored or still to be stored), the continuation
 * waiting to start a turn of its own, gone with their session.
 */
export function runOperationContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  async function runningTurn(store: ChatStore, sessionId: string): Promise<StoredTurn> {
    const { turn } = await store.startTurn(turnInput(sessionId, userMessage('build it')));
    assert.equal(await store.markTurnRunning(turn.id), true);
    return turn;
  }

  function operationInput(
    turn: StoredTurn,
    overrides: Partial<StartOperationInput> = {},
  ): StartOperationInput {
    return {
      id: randomUUID(),
      sessionId: turn.sessionId,
      turnId: turn.id,
      assistantMessageId: turn.assistantMessageId,
      toolCallId: `call-${randomUUID()}`,
      toolName: 'build',
      input: { target: 'web', flags: ['fast'] },
      inputKey: 'build:web',
      completionTokenHash: 'a'.repeat(64),
      cancelUrl: 'http://127.0.0.1:9/cancel',
      deadline: new Date(Date.now() + 60_000),
      ...overrides,
    };
  }

  /** The assistant message as the AI SDK folds a call of `build` that started an operation. */
  function answerCalling(turn: StoredTurn, toolCallId: string, operationId: string): UIMessage {
    return {
      id: turn.assistantMessageId,
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        {
          type: 'tool-build',
          toolCallId,
          state: 'output-available',
          input: { target: 'web' },
          output: { type: 'operation_started', operation_id: operationId, status: 'running' },
        },
        { type: 'text', text: 'Started the build.', state: 'done' },
      ],
    };
  }

  async function finish(store: ChatStore, turn: StoredTurn, message: UIMessage): Promise<void> {
    assert.equal(
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: message,
        usage: null,
      }),
      true,
    );
  }

  /** A session whose running turn started an operation; `finished`: that turn stored its answer. */
  async function startedOperation(store: ChatStore, options: { finished?: boolean } = {}) {
    const { id: sessionId } = await store.createSession({ userId: 'alice' });
    const turn = await runningTurn(store, sessionId);
    const input = operationInput(turn);
    await store.startOperation(input);
    if (options.finished === true) {
      await finish(store, turn, answerCalling(turn, input.toolCallId, input.id));
    }
    return { sessionId, turn, input };
  }

  function continuation(operationId: string): UIMessage {
    return {
      id: continuationMessageId(operationId),
      role: 'system',
      parts: [{ type: 'text', text: `Operation ${operationId} ended.` }],
      metadata: { operation: { id: operationId } },
    };
  }

  async function toolPart(store: ChatStore, sessionId: string, messageId: string) {
    const message = (await store.listMessages(sessionId)).find((stored) => stored.id === messageId);
    return message?.parts.find((part) => part.type === 'tool-build') as
      { state: string; output?: unknown; errorText?: string; input?: unknown } | undefined;
  }

  describe('startOperation and getOperation', () => {
    test('stores a pending operation with everything it was started with', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const input = operationInput(turn);
      const started = await store.startOperation(input);
      assert.equal(started.type, 'started');
      const operation = await store.getOperation(input.id);
      assert.ok(operation);
      assert.deepEqual(
        {
          id: operation.id,
          sessionId: operation.sessionId,
          turnId: operation.turnId,
          assistantMessageId: operation.assistantMessageId,
          toolCallId: operation.toolCallId,
          toolName: operation.toolName,
          input: operation.input,
          status: operation.status,
          completionTokenHash: operation.completionTokenHash,
          cancelUrl: operation.cancelUrl,
          deadline: operation.deadline.getTime(),
          result: operation.result,
          error: operation.error,
          continuationTurnId: operation.continuationTurnId,
          finishedAt: operation.finishedAt,
        },
        {
          id: input.id,
          sessionId,
          turnId: turn.id,
          assistantMessageId: turn.assistantMessageId,
          toolCallId: input.toolCallId,
          toolName: 'build',
          input: { target: 'web', flags: ['fast'] },
          status: 'pending',
          completionTokenHash: input.completionTokenHash,
          cancelUrl: input.cancelUrl,
          deadline: input.deadline.getTime(),
          result: null,
          error: null,
          continuationTurnId: null,
          finishedAt: null,
        },
      );
      assert.deepEqual(started.operation, operation);
      assert.deepEqual(
        (await store.listOperationsOfSession(sessionId)).map((listed) => listed.id),
        [input.id],
      );
      assert.equal(await store.getOperation(randomUUID()), null);
    });

    test('answers a second start of the same input with the one in progress', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const first = operationInput(turn);
      await store.startOperation(first);
      const again = await store.startOperation(operationInput(turn));
      assert.equal(again.type, 'in-progress');
      assert.equal(again.operation.id, first.id);
      const other = await store.startOperation(operationInput(turn, { inputKey: 'build:api' }));
      assert.equal(other.type, 'started');
      assert.equal((await store.listOperationsOfSession(sessionId)).length, 2);
    });

    test('starts the same input again once the first ended', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const first = operationInput(turn);
      await store.startOperation(first);
      await store.endOperation({
        id: first.id,
        status: 'failed',
        error: 'boom',
        continuation: null,
      });
      assert.equal((await store.startOperation(operationInput(turn))).type, 'started');
    });

    test('starts one of concurrent starts of the same input', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      for (let round = 0; round < 5; round += 1) {
        const inputKey = `race-${round}`;
        const results = await Promise.all(
          Array.from({ length: 4 }, async () => {
            await randomDelay();
            return store.startOperation(operationInput(turn, { inputKey }));
          }),
        );
        const started = results.filter((result) => result.type === 'started');
        assert.equal(started.length, 1);
        for (const result of results) assert.equal(result.operation.id, started[0]?.operation.id);
      }
    });

    test('rejects an operation of a missing session', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      await assert.rejects(
        store.startOperation(operationInput(turn, { sessionId: randomUUID() })),
        SessionNotFoundError,
      );
    });
  });

  describe('markOperationRunning', () => {
    test('moves a pending operation to running once, never an ended one', async (store) => {
      const { input } = await startedOperation(store);
      assert.equal(await store.markOperationRunning(input.id), true);
      assert.equal((await store.getOperation(input.id))?.status, 'running');
      assert.equal(await store.markOperationRunning(input.id), false);
      await store.endOperation({ id: input.id, status: 'completed', continuation: null });
      assert.equal(await store.markOperationRunning(input.id), false);
      assert.equal((await store.getOperation(input.id))?.status, 'completed');
    });
  });

  describe('endOperation', () => {
    test('shows the result in the stored tool part and waits to continue', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store, { finished: true });
      const ended = await store.endOperation({
        id: input.id,
        status: 'completed',
        result: { artifact: 'web.tar', size: 3 },
        continuation: continuation(input.id),
      });
      assert.equal(ended.type, 'ended');
      assert.equal(ended.type === 'ended' && ended.operation.status, 'completed');
      const operation = await store.getOperation(input.id);
      assert.deepEqual(operation?.result, { artifact: 'web.tar', size: 3 });
      assert.ok(operation?.finishedAt);
      assert.deepEqual(await toolPart(store, sessionId, turn.assistantMessageId), {
        type: 'tool-build',
        toolCallId: input.toolCallId,
        state: 'output-available',
        input: { target: 'web' },
        output: {
          type: 'operation_completed',
          operation_id: input.id,
          tool_name: 'build',
          result: { artifact: 'web.tar', size: 3 },
        },
      });
      const waiting = await store.listPendingMessages(sessionId);
      assert.deepEqual(
        waiting.map((pending) => [pending.message, pending.mode]),
        [[continuation(input.id), 'continue']],
      );
      // A continuation is not a follow-up the user queued.
      assert.equal(await store.countPendingMessages({ sessionId }), 0);
      assert.equal(await store.countPendingMessages({ userId: 'alice' }), 0);
    });

    test('ends an operation once: a second completion changes nothing', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store, { finished: true });
      const results = await Promise.all(
        [{ n: 1 }, { n: 2 }, { n: 3 }].map(async (result) => {
          await randomDelay();
          return store.endOperation({
            id: input.id,
            status: 'completed',
            result,
            continuation: continuation(input.id),
          });
        }),
      );
      const ended = results.filter((result) => result.type === 'ended');
      assert.equal(ended.length, 1);
      assert.equal(results.filter((result) => result.type === 'already-ended').length, 2);
      const failedLater = await store.endOperation({
        id: input.id,
        status: 'failed',
        error: 'late',
        continuation: continuation(input.id),
      });
      assert.equal(failedLater.type, 'already-ended');
      const operation = await store.getOperation(input.id);
      assert.equal(operation?.status, 'completed');
      assert.equal(operation?.error, null);
      const part = await toolPart(store, sessionId, turn.assistantMessageId);
      assert.deepEqual((part?.output as { result: unknown }).result, operation?.result);
      assert.equal((await store.listPendingMessages(sessionId)).length, 1);
    });

    test('shows an outcome reached before the turn finished once it does', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store);
      await store.endOperation({
        id: input.id,
        status: 'completed',
        result: 'built',
        continuation: continuation(input.id),
      });
      await finish(store, turn, answerCalling(turn, input.toolCallId, input.id));
      const part = await toolPart(store, sessionId, turn.assistantMessageId);
      assert.equal(part?.state, 'output-available');
      assert.deepEqual(part?.output, {
        type: 'operation_completed',
        operation_id: input.id,
        tool_name: 'build',
        result: 'built',
      });
    });

    test('shows a failure as the tool part error', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store, { finished: true });
      await store.endOperation({
        id: input.id,
        status: 'expired',
        error: 'no answer within 60 s',
        continuation: continuation(input.id),
      });
      const part = await toolPart(store, sessionId, turn.assistantMessageId);
      assert.equal(part?.state, 'output-error');
      assert.equal('output' in (part ?? {}), false);
      assert.match(part?.errorText ?? '', /deadline: no answer within 60 s/);
      const operation = await store.getOperation(input.id);
      assert.equal(operation?.status, 'expired');
      assert.equal(operation?.result, null);
      assert.equal(operation?.error, 'no answer within 60 s');
      assert.equal((await store.listPendingMessages(sessionId)).length, 1);
    });

    test('leaves the tool part as streamed when nothing continues', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store);
      // An instant result: the tool returned it in the turn that called it.
      await store.endOperation({
        id: input.id,
        status: 'completed',
        result: 7,
        continuation: null,
      });
      const answer = answerCalling(turn, input.toolCallId, input.id);
      await finish(store, turn, answer);
      assert.deepEqual(
        await toolPart(store, sessionId, turn.assistantMessageId),
        answer.parts.find((part) => part.type === 'tool-build'),
      );
      assert.equal((await store.getOperation(input.id))?.result, 7);
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
    });

    test('cancels an operation whose answer a regenerate removed, continuing nothing', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store, { finished: true });
      const replaced = await store.startReplacementTurn({
        sessionId,
        target: { type: 'regenerate', messageId: turn.assistantMessageId },
        turnId: randomUUID(),
        assistantMessageId: randomUUID(),
      });
      assert.equal(replaced.created, true);
      const ended = await store.endOperation({
        id: input.id,
        status: 'completed',
        result: 'too late',
        continuation: continuation(input.id),
      });
      assert.equal(ended.type, 'ended');
      const operation = await store.getOperation(input.id);
      assert.equal(operation?.status, 'cancelled');
      assert.equal(operation?.result, null);
      assert.match(operation?.error ?? '', /replaced/);
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
    });

    test('keeps an operation a regenerated answer asked for again, and continues it there', async (store) => {
      const { sessionId, turn, input } = await startedOperation(store, { finished: true });
      const replaced = await store.startReplacementTurn({
        sessionId,
        target: { type: 'regenerate', messageId: turn.assistantMessageId },
        turnId: randomUUID(),
        assistantMessageId: randomUUID(),
      });
      await store.markTurnRunning(replaced.turn.id);
      const again = await store.startOperation(operationInput(replaced.turn));
      assert.equal(again.type, 'in-progress');
      assert.equal(again.operation.id, input.id);
      assert.equal(again.operation.assistantMessageId, replaced.turn.assistantMessageId);
      await finish(
        store,
        replaced.turn,
        answerCalling(replaced.turn, again.operation.toolCallId, input.id),
      );
      await store.endOperation({
        id: input.id,
        status: 'completed',
        result: 'built',
        continuation: continuation(input.id),
      });
      assert.equal((await store.getOperation(input.id))?.status, 'completed');
      const part = await toolPart(store, sessionId, replaced.turn.assistantMessageId);
      assert.equal((part?.output as { type: string }).type, 'operation_completed');
      assert.equal((await store.listPendingMessages(sessionId)).length, 1);
    });

    test('answers not-found for an unknown operation', async (store) => {
      assert.deepEqual(
        await store.endOperation({ id: randomUUID(), status: 'completed', continuation: null }),
        { type: 'not-found' },
      );
    });

    test('names the turn its continuation started', async (store) => {
      const { sessionId, input } = await startedOperation(store, { finished: true });
      await store.endOperation({
        id: input.id,
        status: 'completed',
        result: 1,
        continuation: continuation(input.id),
      });
      const next = await store.startTurn(turnInput(sessionId, continuation(input.id)));
      assert.equal(next.created, true);
      assert.equal((await store.getOperation(input.id))?.continuationTurnId, next.turn.id);
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
      const messages = await store.listMessages(sessionId);
      assert.deepEqual(messages.at(-1), continuation(input.id));
    });
  });

  describe('listOverdueOperations', () => {
    test('lists operations in progress past their deadline, most overdue first', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const now = Date.now();
      const later = operationInput(turn, { inputKey: 'a', deadline: new Date(now - 1_000) });
      const earlier = operationInput(turn, { inputKey: 'b', deadline: new Date(now - 5_000) });
      const ended = operationInput(turn, { inputKey: 'c', deadline: new Date(now - 9_000) });
      const future = operationInput(turn, { inputKey: 'd', deadline: new Date(now + 60_000) });
      for (const input of [later, earlier, ended, future]) await store.startOperation(input);
      await store.endOperation({ id: ended.id, status: 'completed', continuation: null });
      const overdue = await store.listOverdueOperations(new Date(now), 100);
      const ids = overdue
        .map((operation) => operation.id)
        .filter((id) => [later.id, earlier.id, ended.id, future.id].includes(id));
      assert.deepEqual(ids, [earlier.id, later.id]);
    });
  });

  describe('deleteSession', () => {
    test('takes the session operations with it', async (store) => {
      const { sessionId, input } = await startedOperation(store);
      assert.equal(await store.deleteSession(sessionId), true);
      assert.equal(await store.getOperation(input.id), null);
      assert.deepEqual(
        await store.endOperation({ id: input.id, status: 'cancelled', continuation: null }),
        {
          type: 'not-found',
        },
      );
    });
  });
}
