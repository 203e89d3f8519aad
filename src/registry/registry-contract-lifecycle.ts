import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  collect,
  contractTest,
  endTurn,
  expectedEvents,
  newTurnInput,
  openTurn,
  type StreamRegistryFactory,
  textDeltas,
  withRegistry,
} from './registry-contract-support.ts';
import { type ReadEvent, TurnNotFoundError } from './stream-registry.ts';

export function describeTurnLifecycle(create: StreamRegistryFactory): void {
  describe('turn lifecycle', () => {
    contractTest(
      'opens a running turn with an empty log and makes it the session’s active turn',
      () =>
        withRegistry(create, async (registry) => {
          const input = newTurnInput();
          const result = await registry.openTurn(input);
          assert.ok(result.opened);
          const { createdAt, ...rest } = result.turn;
          assert.ok(Number.isFinite(createdAt), 'createdAt is a timestamp');
          assert.deepEqual(rest, {
            ...input,
            requestKey: input.userMessageId,
            status: 'running',
            closingStatus: null,
            error: null,
            cancelRequested: false,
            lastPosition: 0,
            closingAt: null,
            closedAt: null,
            leaseOwner: null,
            leaseExpiresAt: null,
            enqueueDeadline: null,
          });
          assert.deepEqual(await registry.getTurn(input.turnId), result.turn);
          assert.deepEqual(await registry.getActiveTurn(input.sessionId), result.turn);
        }),
    );

    contractTest('rejects a turn id that already exists, leaving that turn untouched', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(1));
        await assert.rejects(registry.openTurn(newTurnInput({ turnId: turn.turnId })));
        const current = await registry.getTurn(turn.turnId);
        assert.equal(current?.sessionId, turn.sessionId);
        assert.equal(current?.lastPosition, 1);
      }),
    );

    contractTest('reports the request key the turn was opened with to a refused request', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry, { requestKey: 'regenerate:answer-1' });
        assert.equal(turn.requestKey, 'regenerate:answer-1');
        const refused = await registry.openTurn(newTurnInput({ sessionId: turn.sessionId }));
        assert.ok(!refused.opened);
        assert.equal(refused.activeTurn.requestKey, 'regenerate:answer-1');
      }),
    );

    contractTest('keeps a null userId for an anonymous turn', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry, { userId: null });
        assert.equal((await registry.getTurn(turn.turnId))?.userId, null);
      }),
    );

    contractTest('refuses a second turn in a session while one runs and names the active one', () =>
      withRegistry(create, async (registry) => {
        const first = await openTurn(registry);
        const second = await registry.openTurn(newTurnInput({ sessionId: first.sessionId }));
        assert.equal(second.opened, false);
        assert.ok(!second.opened);
        assert.equal(second.activeTurn.turnId, first.turnId);
        assert.equal(second.activeTurn.status, 'running');
        assert.equal(await registry.getTurn(newTurnInput().turnId), null);
      }),
    );

    contractTest(
      'refuses a new turn while the active one is closing and accepts one once it closed',
      () =>
        withRegistry(create, async (registry) => {
          const first = await openTurn(registry);
          assert.equal(await registry.claimClose(first.turnId, 'completed'), true);
          const during = await registry.openTurn(newTurnInput({ sessionId: first.sessionId }));
          assert.ok(!during.opened);
          assert.equal(during.activeTurn.status, 'closing');
          await registry.publishClose(first.turnId, []);
          const next = await openTurn(registry, { sessionId: first.sessionId });
          assert.deepEqual(await registry.getActiveTurn(first.sessionId), next);
          assert.equal((await registry.getTurn(first.turnId))?.status, 'completed');
        }),
    );

    contractTest('keeps the turns of different sessions independent', () =>
      withRegistry(create, async (registry) => {
        const left = await openTurn(registry);
        const right = await openTurn(registry);
        await registry.append(left.turnId, textDeltas(3));
        await endTurn(registry, right.turnId);
        assert.equal((await registry.getActiveTurn(left.sessionId))?.lastPosition, 3);
        assert.equal(await registry.getActiveTurn(right.sessionId), null);
      }),
    );

    contractTest('returns null for an unknown turn or a session without an active turn', () =>
      withRegistry(create, async (registry) => {
        assert.equal(await registry.getTurn(newTurnInput().turnId), null);
        assert.equal(await registry.getActiveTurn(newTurnInput().sessionId), null);
      }),
    );

    contractTest('assigns positions from 1 without gaps and returns the last one', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const chunks = textDeltas(4);
        assert.equal(await registry.append(turn.turnId, chunks.slice(0, 2)), 2);
        assert.equal(await registry.append(turn.turnId, chunks.slice(2, 3)), 3);
        assert.equal(await registry.append(turn.turnId, []), 3, 'an empty append changes nothing');
        assert.equal(await registry.append(turn.turnId, chunks.slice(3)), 4);
        assert.deepEqual(
          await registry.readAll(turn.turnId),
          chunks.map((chunk, index) => ({ position: index + 1, chunk })),
        );
        assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 4);
      }),
    );

    contractTest(
      'stores a copy of each chunk, unaffected by later changes to the appended object',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          const chunk = { type: 'text-delta', id: 'text-1', delta: 'original' } as const;
          const mutable: { type: 'text-delta'; id: string; delta: string } = { ...chunk };
          await registry.append(turn.turnId, [mutable]);
          mutable.delta = 'changed';
          assert.deepEqual((await registry.readAll(turn.turnId))[0]?.chunk, chunk);
        }),
    );

    contractTest('refuses appends once the turn is closing or finished, storing nothing', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(2));
        assert.equal(await registry.claimClose(turn.turnId, 'completed'), true);
        assert.equal(await registry.append(turn.turnId, textDeltas(1, 'late')), null);
        assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 2);
        await registry.publishClose(turn.turnId, []);
        assert.equal(await registry.append(turn.turnId, textDeltas(1, 'later')), null);
        assert.equal((await registry.readAll(turn.turnId)).length, 2);
      }),
    );

    contractTest('refuses appends to an unknown turn', () =>
      withRegistry(create, async (registry) => {
        assert.equal(await registry.append(newTurnInput().turnId, textDeltas(1)), null);
      }),
    );

    contractTest('claimClose wins once and records the closing status and error', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        assert.equal(await registry.claimClose(turn.turnId, 'failed', 'model timed out'), true);
        assert.equal(await registry.claimClose(turn.turnId, 'completed'), false);
        assert.equal(await registry.claimClose(turn.turnId, 'cancelled'), false);
        const closing = await registry.getTurn(turn.turnId);
        assert.equal(closing?.status, 'closing');
        assert.equal(closing?.closingStatus, 'failed');
        assert.equal(closing?.error, 'model timed out');
        assert.equal(closing?.closedAt, null);
        assert.deepEqual(await registry.getActiveTurn(turn.sessionId), closing);
      }),
    );

    contractTest('claimClose is refused for an unknown or finished turn', () =>
      withRegistry(create, async (registry) => {
        assert.equal(await registry.claimClose(newTurnInput().turnId, 'completed'), false);
        const turn = await openTurn(registry);
        await endTurn(registry, turn.turnId);
        assert.equal(await registry.claimClose(turn.turnId, 'failed', 'too late'), false);
        assert.equal((await registry.getTurn(turn.turnId))?.status, 'completed');
      }),
    );

    contractTest(
      'publishClose appends the trailing chunks, ends the turn and frees the session',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          const body = textDeltas(3);
          const trailing: UIMessageChunk[] = [
            { type: 'text-end', id: 'text-1' },
            { type: 'finish' },
          ];
          await registry.append(turn.turnId, body);
          await registry.claimClose(turn.turnId, 'cancelled');
          await registry.publishClose(turn.turnId, trailing);
          const closed = await registry.getTurn(turn.turnId);
          assert.ok(closed);
          assert.equal(closed.status, 'cancelled');
          assert.equal(closed?.closingStatus, 'cancelled');
          assert.equal(closed?.error, null);
          assert.equal(closed?.lastPosition, 5);
          assert.ok(closed.closedAt !== null && closed.closedAt >= closed.createdAt);
          assert.equal(await registry.getActiveTurn(turn.sessionId), null);
          const events = await collect(registry.read(turn.turnId, { after: 0 }));
          assert.deepEqual(events, expectedEvents([...body, ...trailing], 0, 'cancelled'));
        }),
    );

    contractTest(
      'publishClose is rejected without a won claim, twice, or for an unknown turn',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          await assert.rejects(registry.publishClose(turn.turnId, []));
          assert.equal((await registry.getTurn(turn.turnId))?.status, 'running');
          await endTurn(registry, turn.turnId, 'failed', [], 'boom');
          await assert.rejects(registry.publishClose(turn.turnId, [{ type: 'finish' }]));
          assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 0);
          await assert.rejects(registry.publishClose(newTurnInput().turnId, []));
        }),
    );

    contractTest(
      'requestCancel flags a running or closing turn idempotently without ending it',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          assert.equal(await registry.requestCancel(turn.turnId), true);
          assert.equal(await registry.requestCancel(turn.turnId), true);
          const flagged = await registry.getTurn(turn.turnId);
          assert.equal(flagged?.cancelRequested, true);
          assert.equal(flagged?.status, 'running');
          assert.equal(await registry.append(turn.turnId, textDeltas(1)), 1);
          const closing = await openTurn(registry);
          await registry.claimClose(closing.turnId, 'completed');
          assert.equal(await registry.requestCancel(closing.turnId), true);
          assert.equal((await registry.getTurn(closing.turnId))?.cancelRequested, true);
        }),
    );

    contractTest('requestCancel is refused for a finished or unknown turn', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await endTurn(registry, turn.turnId);
        assert.equal(await registry.requestCancel(turn.turnId), false);
        assert.equal((await registry.getTurn(turn.turnId))?.cancelRequested, false);
        assert.equal(await registry.requestCancel(newTurnInput().turnId), false);
      }),
    );

    contractTest('noteFollowUp counts follow-ups of an active turn, per turn', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const other = await openTurn(registry);
        assert.equal(await registry.countFollowUps(turn.turnId), 0);
        assert.equal(await registry.noteFollowUp(turn.turnId), true);
        assert.equal(await registry.noteFollowUp(turn.turnId), true);
        assert.equal(await registry.countFollowUps(turn.turnId), 2);
        assert.equal(await registry.countFollowUps(other.turnId), 0);
        await registry.claimClose(turn.turnId, 'completed');
        assert.equal(await registry.noteFollowUp(turn.turnId), true, 'a closing turn still counts');
        assert.equal(await registry.countFollowUps(turn.turnId), 3);
        // Appending reads nothing of the count: the log is untouched by it.
        assert.equal(await registry.append(other.turnId, textDeltas(2)), 2);
        assert.equal((await registry.getTurn(other.turnId))?.lastPosition, 2);
      }),
    );

    contractTest('noteFollowUp is refused for a finished or unknown turn', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.noteFollowUp(turn.turnId);
        await endTurn(registry, turn.turnId);
        assert.equal(await registry.noteFollowUp(turn.turnId), false);
        assert.equal(await registry.countFollowUps(turn.turnId), 1);
        const unknown = newTurnInput().turnId;
        assert.equal(await registry.noteFollowUp(unknown), false);
        assert.equal(await registry.countFollowUps(unknown), 0);
        assert.equal(await registry.getTurn(unknown), null, 'noting creates no turn');
      }),
    );

    contractTest('readAll of an unknown turn is rejected with TurnNotFoundError', () =>
      withRegistry(create, async (registry) => {
        await assert.rejects(registry.readAll(newTurnInput().turnId), TurnNotFoundError);
      }),
    );

    contractTest('returns records that are snapshots, not handles on the turn', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const snapshot = await registry.getTurn(turn.turnId);
        assert.ok(snapshot);
        snapshot.status = 'failed';
        turn.lastPosition = 99;
        await registry.append(turn.turnId, textDeltas(1));
        assert.equal(snapshot.lastPosition, 0);
        const current = await registry.getTurn(turn.turnId);
        assert.equal(current?.status, 'running');
        assert.equal(current?.lastPosition, 1);
      }),
    );

    contractTest(
      'close makes a waiting reader settle without an end event instead of hanging',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          await registry.append(turn.turnId, textDeltas(1));
          const received: ReadEvent[] = [];
          const reading = (async () => {
            for await (const event of registry.read(turn.turnId, { after: 0 }))
              received.push(event);
          })();
          const settled = reading.then(
            () => 'settled',
            () => 'settled',
          );
          await waitFor(() => received.length === 1, { message: 'the reader got the first chunk' });
          await registry.close();
          const timeout = sleep(2_000, 'still waiting', { ref: false });
          assert.equal(await Promise.race([settled, timeout]), 'settled');
          assert.deepEqual(
            received.map((event) => event.type),
            ['chunk'],
          );
        }),
    );
  });
}
