import type { UIMessage } from 'ai';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { DurableChatClient, Operation } from '../../../src/client/index.ts';
import {
  isInProgress,
  operationIdOfOutput,
  readContinuations,
} from '../parts/session-operations.ts';
import { isAuthError } from '../chat-services.ts';

export const operationPollIntervalMs = 2000;
/**
 * Looks after an operation ended before its continuation is given up on (it may wait behind a
 * turn that runs long): the session list's polling still brings it in later.
 */
const continuationWaitPolls = 30;

interface PollState {
  operations: ReadonlyMap<string, Operation>;
  /** Operation ids a look has covered: one the session does not list is not looked for again. */
  lookedUp: ReadonlySet<string>;
  /** By operation id: looks since it was first seen ended. */
  pollsSinceEnded: ReadonlyMap<string, number>;
}

const initialState: PollState = {
  operations: new Map(),
  lookedUp: new Set(),
  pollsSinceEnded: new Map(),
};

export interface SessionOperationsOptions {
  client: DurableChatClient;
  sessionId: string;
  messages: readonly UIMessage[];
  /**
   * An operation shown here ended and its continuation began on the server: the chat should
   * load its messages and attach to the continuation's turn. Called on every look until the
   * continuation is among `messages`.
   */
  onContinuationStarted: () => void;
  onAuthRequired: () => void;
  pollIntervalMs?: number;
}

/**
 * The operations that tool parts of `messages` started, kept up to date: no push tells a client
 * that an operation ended, so while one is in progress (or ended and its continuation has not
 * arrived here) the session is looked at every `pollIntervalMs`, and not at all otherwise. An
 * operation seen for the first time is looked up once, for when it started. Stops when the
 * view unmounts.
 */
export function useSessionOperations({
  client,
  sessionId,
  messages,
  onContinuationStarted,
  onAuthRequired,
  pollIntervalMs = operationPollIntervalMs,
}: SessionOperationsOptions): ReadonlyMap<string, Operation> {
  const [state, setState] = useState<PollState>(initialState);
  const continued = useMemo(() => new Set(readContinuations(messages).keys()), [messages]);
  const shown = useMemo(() => operationIdsOf(messages), [messages]);
  const needsLook = shown.some((operationId) => {
    if (!state.lookedUp.has(operationId)) return true;
    const operation = state.operations.get(operationId);
    if (operation === undefined || continued.has(operationId)) return false;
    return (
      isInProgress(operation.status) ||
      (state.pollsSinceEnded.get(operationId) ?? 0) < continuationWaitPolls
    );
  });

  const latest = useRef({ shown, continued, onContinuationStarted, onAuthRequired });
  useLayoutEffect(() => {
    latest.current = { shown, continued, onContinuationStarted, onAuthRequired };
  });

  useEffect(() => {
    if (!needsLook) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = async () => {
      try {
        // The operations come with any page: the smallest one will do.
        const detail = await client.getSession(sessionId, {
          limit: 1,
          signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        const { shown: shownNow, continued: continuedNow } = latest.current;
        const byId = new Map(detail.operations.map((operation) => [operation.id, operation]));
        setState((previous) => ({
          operations: byId,
          lookedUp: new Set([...previous.lookedUp, ...shownNow, ...byId.keys()]),
          pollsSinceEnded: new Map(
            detail.operations
              .filter((operation) => !isInProgress(operation.status))
              .map(({ id }) => [id, (previous.pollsSinceEnded.get(id) ?? -1) + 1]),
          ),
        }));
        const continuationWaiting = shownNow.some((operationId) => {
          const operation = byId.get(operationId);
          return (
            operation !== undefined &&
            operation.continuation_turn_id !== null &&
            !continuedNow.has(operationId)
          );
        });
        if (continuationWaiting) latest.current.onContinuationStarted();
      } catch (error) {
        if (controller.signal.aborted) return;
        // A failed look is tried again at the next one; only a lost sign-in is worth telling.
        if (isAuthError(error)) latest.current.onAuthRequired();
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void look(), pollIntervalMs);
    };
    void look();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [needsLook, client, sessionId, pollIntervalMs]);

  return state.operations;
}

/** The operations the tool parts of `messages` name, in order, each once. */
function operationIdsOf(messages: readonly UIMessage[]): string[] {
  const ids = new Set<string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.parts) {
      if (!('output' in part) || part.state !== 'output-available') continue;
      const operationId = operationIdOfOutput(part.output);
      if (operationId !== null) ids.add(operationId);
    }
  }
  return [...ids];
}
