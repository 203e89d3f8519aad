import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import {
  contractTest,
  endTurn,
  newTurnInput,
  openTurn,
  type StreamRegistryFactory,
  withRegistry,
} from './registry-contract-support.ts';

/**
 * The enqueue deadline: how a turn whose creator died before storing and queueing it is told
 * apart from one that is merely waiting for an executor. The registry records the deadline by its
 * own clock and clears it on confirmation; judging it against a clock is the caller's.
 */
export function describeEnqueueConfirmation(create: StreamRegistryFactory): void {
  describe('enqueue deadline and confirmation', () => {
    contractTest('a turn opened with an enqueue timeout is due by its creation time plus it', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry, { enqueueTimeoutMs: 3_000 });
        assert.equal(turn.enqueueDeadline, turn.createdAt + 3_000);
        const stored = await registry.getTurn(turn.turnId);
        assert.equal(stored?.enqueueDeadline, turn.createdAt + 3_000);
      }),
    );

    contractTest('a turn opened without an enqueue timeout has no deadline', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        assert.equal(turn.enqueueDeadline, null);
        assert.equal((await registry.getTurn(turn.turnId))?.enqueueDeadline, null);
      }),
    );

    contractTest('confirming a running turn clears its deadline, and again changes nothing', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry, { enqueueTimeoutMs: 3_000 });
        assert.equal(await registry.confirmTurn(turn.turnId), true);
        assert.equal((await registry.getTurn(turn.turnId))?.enqueueDeadline, null);
        assert.equal(await registry.confirmTurn(turn.turnId), true);
        const record = await registry.getTurn(turn.turnId);
        assert.equal(record?.status, 'running');
        assert.equal(record?.enqueueDeadline, null);
      }),
    );

    contractTest('a refused open shows the active turn’s deadline, then its confirmation', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry, { enqueueTimeoutMs: 3_000 });
        const before = await registry.openTurn(newTurnInput({ sessionId: turn.sessionId }));
        assert.equal(before.opened, false);
        assert.equal(
          before.opened ? null : before.activeTurn.enqueueDeadline,
          turn.createdAt + 3_000,
        );
        assert.equal(before.opened ? null : before.activeTurn.leaseOwner, null);
        await registry.confirmTurn(turn.turnId);
        const after = await registry.openTurn(newTurnInput({ sessionId: turn.sessionId }));
        assert.equal(after.opened ? 'opened' : after.activeTurn.enqueueDeadline, null);
      }),
    );

    contractTest('a closing, ended or unknown turn cannot be confirmed', () =>
      withRegistry(create, async (registry) => {
        const closing = await openTurn(registry, { enqueueTimeoutMs: 3_000 });
        assert.equal(await registry.claimClose(closing.turnId, 'failed', 'abandoned'), true);
        assert.equal(await registry.confirmTurn(closing.turnId), false);
        await registry.publishClose(closing.turnId, []);
        assert.equal(await registry.confirmTurn(closing.turnId), false);
        const ended = await openTurn(registry, { enqueueTimeoutMs: 3_000 });
        await endTurn(registry, ended.turnId);
        assert.equal(await registry.confirmTurn(ended.turnId), false);
        assert.equal(await registry.confirmTurn(`turn-${randomUUID()}`), false);
      }),
    );

    contractTest('the session of an abandoned turn is free once the turn is ended', () =>
      withRegistry(create, async (registry) => {
        const abandoned = await openTurn(registry, { enqueueTimeoutMs: 1 });
        assert.equal(await registry.claimClose(abandoned.turnId, 'failed', 'abandoned'), true);
        await registry.publishClose(abandoned.turnId, []);
        const retried = await registry.openTurn(
          newTurnInput({
            sessionId: abandoned.sessionId,
            userMessageId: abandoned.userMessageId,
            enqueueTimeoutMs: 3_000,
          }),
        );
        assert.equal(retried.opened, true, 'the same message opens a new turn');
        assert.equal(await registry.confirmTurn(abandoned.turnId), false);
      }),
    );
  });
}
