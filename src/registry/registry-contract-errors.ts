import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  collect,
  contractTest,
  endTurn,
  newTurnInput,
  openTurn,
  type StreamRegistryFactory,
  textDeltas,
  withRegistry,
} from './registry-contract-support.ts';
import {
  CursorOutOfRangeError,
  NotTerminalStatusError,
  RegistryClosedError,
  StreamRegistryError,
  type StreamRegistryErrorCode,
  type TerminalStatus,
  TurnExistsError,
  TurnNotClosingError,
  TurnNotFoundError,
} from './stream-registry.ts';

/** An error of `type`, a StreamRegistryError with `code`, as every adapter must raise it. */
function registryError(
  type: new (...parameters: never[]) => StreamRegistryError,
  code: StreamRegistryErrorCode,
): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.ok(error instanceof StreamRegistryError);
    assert.equal(error.code, code);
    return true;
  };
}

/** Every adapter refuses the same misuse with the same error class and code. */
export function describeErrors(create: StreamRegistryFactory): void {
  describe('typed errors', () => {
    contractTest('refuses a turn id that already exists with TurnExistsError', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await assert.rejects(
          registry.openTurn(newTurnInput({ turnId: turn.turnId })),
          registryError(TurnExistsError, 'turn_exists'),
        );
      }),
    );

    contractTest('refuses publishClose without a won claim with TurnNotClosingError', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const notClosing = registryError(TurnNotClosingError, 'turn_not_closing');
        await assert.rejects(registry.publishClose(turn.turnId, []), notClosing);
        await endTurn(registry, turn.turnId);
        await assert.rejects(registry.publishClose(turn.turnId, []), notClosing);
      }),
    );

    contractTest(
      'refuses publishClose, readAll and read of an unknown turn with TurnNotFoundError',
      () =>
        withRegistry(create, async (registry) => {
          const turnId = newTurnInput().turnId;
          const notFound = registryError(TurnNotFoundError, 'turn_not_found');
          await assert.rejects(registry.publishClose(turnId, []), notFound);
          await assert.rejects(registry.readAll(turnId), notFound);
          await assert.rejects(collect(registry.read(turnId, { after: 0 })), notFound);
        }),
    );

    contractTest('refuses a cursor beyond the last position with CursorOutOfRangeError', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(2));
        await assert.rejects(
          collect(registry.read(turn.turnId, { after: 3 })),
          registryError(CursorOutOfRangeError, 'cursor_out_of_range'),
        );
      }),
    );

    contractTest(
      'refuses claimClose with a status that is not terminal, leaving the turn running',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          await assert.rejects(
            registry.claimClose(turn.turnId, 'running' as TerminalStatus),
            registryError(NotTerminalStatusError, 'not_terminal_status'),
          );
          assert.equal((await registry.getTurn(turn.turnId))?.status, 'running');
        }),
    );

    contractTest(
      'refuses every call after close, and ends a waiting read, with RegistryClosedError',
      async () => {
        const { registry, cleanup } = await create();
        try {
          const turn = await openTurn(registry);
          await registry.append(turn.turnId, textDeltas(1));
          let received = 0;
          const reading = (async () => {
            for await (const event of registry.read(turn.turnId, { after: 0 })) {
              if (event.type === 'chunk') received += 1;
            }
          })();
          reading.catch(() => undefined);
          // Past its first chunk, the reader waits for the next one when the registry closes.
          await waitFor(() => received === 1, { message: 'the reader got the first chunk' });
          await registry.close();
          const closed = registryError(RegistryClosedError, 'registry_closed');
          await assert.rejects(reading, closed);
          await assert.rejects(registry.openTurn(newTurnInput()), closed);
          await assert.rejects(registry.getTurn(turn.turnId), closed);
          await assert.rejects(registry.claimClose(turn.turnId, 'completed'), closed);
          await assert.rejects(collect(registry.read(turn.turnId, { after: 0 })), closed);
        } finally {
          await cleanup();
        }
      },
    );
  });
}
