import { useChat } from '@ai-sdk/react';
import {
  type ChatStatus,
  type FileUIPart,
  generateId,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type TextUIPart,
  type UIMessage,
} from 'ai';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import {
  type ChatServices,
  describeError,
  type FollowUpMode,
  isApiError,
  isAuthError,
} from '../chat-services.ts';
import { type ToolApproval, ToolApprovalContext } from '../parts/tool-approval-context.ts';
import type { ComposedMessage } from './composed-message.ts';
import { Composer } from './composer.tsx';
import { type HistoryCursor, historyPageSize, wholeHistory } from './history-pages.ts';
import { MessageList } from './message-list.tsx';
import {
  mergePendingFollowUps,
  type PendingFollowUp,
  readPendingFollowUps,
  stillWaiting,
} from './pending-follow-ups.ts';
import { RetryButton } from './retry-button.tsx';
import { readMessageOutcome } from './message-outcome.ts';
import { trackTransportActivity } from './track-transport-activity.ts';
import { useAttachments } from './use-attachments.ts';
import { useFileDrop } from './use-file-drop.ts';
import { useOlderMessages } from './use-older-messages.ts';
import { useSessionOperations } from './use-session-operations.ts';

export interface ChatViewProps {
  sessionId: string;
  /** From `getSession`: while a turn runs they end with its user message, never its partial answer. */
  initialMessages: UIMessage[];
  /** Whether history older than `initialMessages` is left on the server (the whole of it when absent). */
  initialHistory?: HistoryCursor;
  /** `updated_at` of that snapshot; a newer one in the session list means there is more to load. */
  initialUpdatedAt: string | null;
  /** From `getSession`'s `pending_messages`: follow-ups sent earlier that no answer took yet. */
  initialPendingFollowUps?: PendingFollowUp[];
  services: ChatServices;
  /** This session in the latest poll of the session list (a new object on every poll). */
  summary: SessionSummary | undefined;
  /** The message to send as soon as the chat opens (the chat was just created from the composer). */
  firstMessage?: ComposedMessage;
  onFirstMessageSent?: () => void;
  /** A turn started or ended here: the session list should refresh. */
  onActivity: () => void;
  onRunningChange: (running: boolean) => void;
  onAuthRequired: () => void;
}

const nothingSent: ComposedMessage = { text: '', files: [] };

const isRunning = (status: ChatStatus) => status === 'submitted' || status === 'streaming';

/** After Stop was confirmed by the server, the stream ends within moments; never wait forever. */
const stopSettleTimeoutMs = 4000;
const stopRetries = 5;
const stopRetryDelayMs = 250;
/**
 * When an answer ends with follow-ups waiting, the server starts the next turn with them a
 * moment later: look for it this many times before leaving it to the session list's polling.
 */
const nextTurnAttempts = 8;
const nextTurnRetryDelayMs = 250;

type SyncReason = 'poll' | 'conflict' | 'next-turn';

/**
 * One open chat, on `useChat` with the SDK's transport. Mounted per session (keyed by its id),
 * so switching sessions starts a fresh `useChat` that re-attaches to a running turn.
 *
 * Durability in the UI:
 * - `resume: true` re-attaches on mount; the server replays the running answer from its first
 *   chunk and the initial messages never contain it, so nothing is shown twice.
 * - The session list is polled (see useSessionList). When it says a turn runs here while this
 *   chat is idle (started on another device), or the session changed since we loaded it, the
 *   chat reloads its messages and attaches to the running turn.
 * - Stop asks the server to cancel the turn; the stream then ends with the server's `abort`.
 * - A message sent while the answer streams is a follow-up, posted beside `useChat` (whose
 *   `sendMessage` would replace the streaming answer): it shows as waiting until the answer
 *   takes it in (a `steering-message` part) or it starts the next turn. When the answer ends
 *   with follow-ups still waiting, the chat reloads its messages and attaches to that turn.
 *   A message `useChat` sent while a turn started elsewhere already ran is made a follow-up the
 *   same way once the server says it joined that turn.
 */
export function ChatView({
  sessionId,
  initialMessages,
  initialHistory = wholeHistory,
  initialUpdatedAt,
  initialPendingFollowUps = [],
  services,
  summary,
  firstMessage,
  onFirstMessageSent,
  onActivity,
  onRunningChange,
  onAuthRequired,
}: ChatViewProps) {
  const { client } = services;
  const [draft, setDraft] = useState('');
  const [conflict, setConflict] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [followUps, setFollowUps] = useState(initialPendingFollowUps);
  const followUpsNow = useRef(followUps);
  useLayoutEffect(() => {
    followUpsNow.current = followUps;
  }, [followUps]);
  const mounted = useRef(true);
  const openStreams = useRef(0);
  const syncing = useRef(false);
  const syncedUpdatedAt = useRef(initialUpdatedAt);
  // What to give back to the composer if the server refuses the message.
  const lastSent = useRef<ComposedMessage>(nothingSent);
  const composerInput = useRef<HTMLTextAreaElement>(null);
  const attachments = useAttachments(services.uploadFile);
  const { restore: restoreAttachments } = attachments;
  const fileDrop = useFileDrop(attachments.add);
  // Counts messages sent here. A sync that began before a send holds a snapshot from before that
  // turn: applying it would show stale messages and re-attach to a turn that has since ended,
  // turning the turn's own outcome (an error, say) into an idle chat.
  const sentCount = useRef(0);

  const transport = useMemo(
    () =>
      trackTransportActivity(services.transport, (count) => {
        openStreams.current = count;
      }),
    [services.transport],
  );

  const chat = useChat({
    id: sessionId,
    messages: initialMessages,
    transport,
    // A chat created a moment ago has nothing to re-attach to; its first message is sent below.
    resume: firstMessage === undefined,
    throttle: 40,
    // Approve / Deny on a tool call: once every approval of the answer is answered, the answers
    // go to the server and the same answer continues.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    onError: (error) => {
      if (isApiError(error, 'TURN_ALREADY_ACTIVE')) {
        setConflict(true);
        // The server refused the message: give its text back, then show the running turn.
        setDraft((current) => (current === '' ? lastSent.current.text : current));
        restoreAttachments(lastSent.current.attachments ?? []);
        void sync('conflict');
      } else if (isAuthError(error)) {
        onAuthRequired();
      }
    },
    onFinish: () => onActivity(),
  });
  const { status, messages, setMessages, resumeStream, sendMessage, regenerate } = chat;
  const stopReading = chat.stop;
  const running = isRunning(status);
  const olderMessages = useOlderMessages({
    client,
    sessionId,
    initial: initialHistory,
    setMessages,
    onAuthRequired,
  });
  const { applyNewestPage } = olderMessages;
  const waitingFollowUps = useMemo(() => stillWaiting(followUps, messages), [followUps, messages]);
  // Async callbacks (a sync that awaited the server, a stop) need the status of now, not of
  // the render that created them.
  const statusNow = useRef(status);
  const messagesNow = useRef(messages);
  useLayoutEffect(() => {
    statusNow.current = status;
    messagesNow.current = messages;
  }, [status, messages]);

  const busy = () => isRunning(statusNow.current) || openStreams.current > 0;

  /**
   * Loads the messages from the server and attaches to the turn running there, if any. For
   * `next-turn` (the answer `endedAnswerId` ended with follow-ups waiting) it resolves false,
   * changing nothing, while the turn they start has not begun yet; true once nothing is left to
   * look for.
   */
  const sync = useCallback(
    async (reason: SyncReason = 'poll', endedAnswerId?: string): Promise<boolean> => {
      const afterConflict = reason === 'conflict';
      // Right after an answer ends its stream may still count as open for a moment: the next
      // turn is looked for again rather than given up on.
      if (!afterConflict && busy()) return reason !== 'next-turn';
      // Another sync may still be handing over to the stream that just ended: look again soon.
      if (syncing.current) return reason !== 'next-turn';
      syncing.current = true;
      const sentBefore = sentCount.current;
      let attached = false;
      try {
        const detail = await client.getSession(sessionId, { limit: historyPageSize });
        if (!mounted.current) return true;
        if (sentCount.current !== sentBefore) return true;
        if (busy() && !afterConflict) return reason !== 'next-turn';
        const fromServer = readPendingFollowUps(detail);
        const waiting = mergePendingFollowUps(followUpsNow.current, fromServer, detail.messages);
        if (reason === 'next-turn') {
          const running = detail.active_stream;
          // The ended turn may still be listed for a moment: attaching would replay it.
          if (running && running.assistant_message_id === endedAnswerId) return false;
          if (!running && waiting.length > 0) return false;
        }
        syncedUpdatedAt.current = detail.updated_at;
        applyNewestPage(detail);
        setFollowUps((current) => mergePendingFollowUps(current, fromServer, detail.messages));
        if (detail.active_stream) {
          attached = true;
          void resumeStream().finally(() => {
            syncing.current = false;
          });
        }
      } catch (error) {
        if (isAuthError(error)) onAuthRequired();
        else setNotice(`Could not refresh this chat: ${describeError(error)}`);
      } finally {
        if (!attached) syncing.current = false;
      }
      return true;
    },
    [client, sessionId, applyNewestPage, resumeStream, onAuthRequired],
  );

  // An operation shown here ended and its continuation runs: load it and attach to it.
  const polledOperations = useSessionOperations({
    client,
    sessionId,
    messages,
    onContinuationStarted: () => void sync(),
    onAuthRequired,
  });

  const attachToNextTurn = useCallback(
    async (endedAnswerId: string | undefined) => {
      for (let attempt = 1; attempt <= nextTurnAttempts; attempt += 1) {
        if (!mounted.current || (await sync('next-turn', endedAnswerId))) return;
        await new Promise((resolve) => setTimeout(resolve, nextTurnRetryDelayMs));
      }
      // Still not begun: show what the server has; the polls attach once the turn runs.
      if (mounted.current) void sync();
    },
    [sync],
  );

  // The answer ended and follow-ups wait: they start the next turn, whose answer streams here.
  const hasWaitingFollowUps = waitingFollowUps.length > 0;
  const lastAnswerId = messages.findLast((message) => message.role === 'assistant')?.id;
  const ranBefore = useRef(running);
  useEffect(() => {
    const ended = ranBefore.current && !running;
    ranBefore.current = running;
    if (ended && hasWaitingFollowUps) void attachToNextTurn(lastAnswerId);
  }, [running, hasWaitingFollowUps, lastAnswerId, attachToNextTurn]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Polls drive attaching to turns started elsewhere and reloading after turns ended elsewhere.
  useEffect(() => {
    if (!summary) return;
    if (summary.active || summary.updated_at !== syncedUpdatedAt.current) void sync();
  }, [summary, sync]);

  useEffect(() => onRunningChange(running), [running, onRunningChange]);
  // Once the answer streams the server has set the title and marked the turn: show both.
  const streaming = status === 'streaming';
  useEffect(() => {
    if (streaming) onActivity();
  }, [streaming, onActivity]);
  useEffect(() => () => onRunningChange(false), [onRunningChange]);

  // A message sent while this chat looked idle can join a turn that runs elsewhere: it is then
  // that answer's follow-up, not its question. It leaves useChat's list (where the answer would
  // stream in as the reply to it) to wait as a follow-up, and the question the answer replies to
  // is loaded first, so the answer arrives after it.
  useEffect(
    () =>
      services.onJoinedRunningTurn(sessionId, async (messageId) => {
        let sent: UIMessage | undefined;
        setMessages((current) => {
          sent = current.find(({ id }) => id === messageId);
          return sent?.role === 'user' ? current.filter(({ id }) => id !== messageId) : current;
        });
        const joined = sent as UIMessage | undefined;
        if (joined?.role !== 'user') return;
        const parts = joined.parts.filter(
          (part): part is TextUIPart | FileUIPart => part.type === 'text' || part.type === 'file',
        );
        setFollowUps((current) => [...current, { id: messageId, parts }]);
        try {
          const detail = await client.getSession(sessionId, { limit: historyPageSize });
          if (!mounted.current) return;
          syncedUpdatedAt.current = detail.updated_at;
          applyNewestPage(detail);
          const fromServer = readPendingFollowUps(detail);
          setFollowUps((current) => mergePendingFollowUps(current, fromServer, detail.messages));
        } catch (error) {
          // The answer streams all the same; the next poll of the session list loads its question.
          if (isAuthError(error)) onAuthRequired();
        }
      }),
    [services, sessionId, client, setMessages, applyNewestPage, onAuthRequired],
  );

  /** A message sent while the answer streams: posted beside `useChat`, shown as waiting. */
  const sendFollowUp = useCallback(
    (composed: ComposedMessage, mode: FollowUpMode) => {
      const { text, files } = composed;
      // Files first, as the server stores the files a message attaches.
      const parts: (TextUIPart | FileUIPart)[] = [
        ...files,
        ...(text === '' ? [] : [{ type: 'text', text } as const]),
      ];
      const message: UIMessage = { id: generateId(), role: 'user', parts };
      setConflict(false);
      setNotice(null);
      setDraft('');
      setFollowUps((current) => [...current, { id: message.id, parts }]);
      services.sendFollowUp(sessionId, message, mode).then(
        () => onActivity(),
        (error: unknown) => {
          if (!mounted.current) return;
          setFollowUps((current) => current.filter(({ id }) => id !== message.id));
          // Refused (a limit, say): it goes back to the composer to send again.
          setDraft((current) => (current === '' ? text : current));
          restoreAttachments(composed.attachments ?? []);
          if (isAuthError(error)) onAuthRequired();
          setNotice(`Your message was not sent: ${describeError(error)}`);
        },
      );
    },
    [services, sessionId, onActivity, onAuthRequired, restoreAttachments],
  );

  const send = useCallback(
    (message: ComposedMessage) => {
      if (isRunning(statusNow.current)) {
        sendFollowUp(message, 'steer');
        return;
      }
      const { text, files } = message;
      lastSent.current = message;
      sentCount.current += 1;
      setConflict(false);
      setNotice(null);
      setDraft('');
      void sendMessage(files.length === 0 ? { text } : text === '' ? { files } : { text, files });
      onActivity();
    },
    [sendMessage, onActivity, sendFollowUp],
  );

  /** The composer's text with its attachments, which then leave the composer. */
  const { items: attached, parts: attachedFiles, clear: clearAttachments } = attachments;
  const composed = useCallback(
    (text: string): ComposedMessage => {
      clearAttachments();
      return { text, files: attachedFiles, attachments: attached };
    },
    [attached, attachedFiles, clearAttachments],
  );

  /** Replaces an answer (the last one when none is named) with a new one: Regenerate, Retry. */
  const regenerateAnswer = useCallback(
    (answerId?: string) => {
      // Nothing to give back to the composer if the server refuses it.
      lastSent.current = nothingSent;
      sentCount.current += 1;
      setConflict(false);
      setNotice(null);
      void regenerate(answerId === undefined ? undefined : { messageId: answerId });
      onActivity();
    },
    [regenerate, onActivity],
  );

  /**
   * Edit and resend: the message is rewritten, what followed it goes, and it is answered. Only
   * its text is edited: the files it attached stay attached, where a bare `{ text }` would drop
   * them.
   */
  const editMessage = useCallback(
    (messageId: string, text: string) => {
      lastSent.current = nothingSent;
      sentCount.current += 1;
      setConflict(false);
      setNotice(null);
      const edited = messagesNow.current.find(({ id }) => id === messageId);
      const files = (edited?.parts ?? []).filter((part) => part.type === 'file');
      void sendMessage(files.length === 0 ? { text, messageId } : { text, files, messageId });
      onActivity();
    },
    [sendMessage, onActivity],
  );

  const actions = useMemo(
    () => ({ onRegenerate: regenerateAnswer, onEdit: editMessage, busy: running }),
    [regenerateAnswer, editMessage, running],
  );

  const { addToolApprovalResponse } = chat;
  const toolApproval = useMemo<ToolApproval>(
    () => ({
      respond: (approvalId, approved) => {
        lastSent.current = nothingSent;
        sentCount.current += 1;
        setConflict(false);
        setNotice(null);
        void addToolApprovalResponse({ id: approvalId, approved });
        onActivity();
      },
      busy: running,
    }),
    [addToolApprovalResponse, onActivity, running],
  );

  // Sent once. Deferred by a tick, so React's development double-mount (and a re-run of this
  // effect) cancels the pending send instead of sending twice.
  const firstMessageSent = useRef(false);
  useEffect(() => {
    if (firstMessage === undefined || firstMessageSent.current) return;
    const timer = setTimeout(() => {
      firstMessageSent.current = true;
      send(firstMessage);
      onFirstMessageSent?.();
    }, 0);
    return () => clearTimeout(timer);
  }, [firstMessage, send, onFirstMessageSent]);

  const stopRequested = useRef(false);
  const stop = useCallback(async () => {
    if (!isRunning(statusNow.current) || stopRequested.current) return;
    stopRequested.current = true;
    setStopping(true);
    try {
      // Resolves once the turn has ended on the server; its `abort` chunk ends our stream.
      let result = await client.cancelTurn(sessionId);
      // Stop pressed right after Send can reach the server before the message does: ask again
      // briefly rather than let the turn start unstopped.
      for (let attempt = 1; attempt <= stopRetries; attempt += 1) {
        if (result.reason !== 'no_active_session' || !isRunning(statusNow.current)) break;
        await new Promise((resolve) => setTimeout(resolve, stopRetryDelayMs));
        result = await client.cancelTurn(sessionId);
      }
      if (result.reason === 'no_active_session') {
        // Nothing runs on the server (the answer just ended): stop reading what is left here.
        await stopReading();
      } else {
        setTimeout(() => {
          if (isRunning(statusNow.current)) void stopReading();
        }, stopSettleTimeoutMs);
      }
    } catch (error) {
      if (isAuthError(error)) onAuthRequired();
      setNotice(`Could not stop the answer: ${describeError(error)}`);
    } finally {
      stopRequested.current = false;
      setStopping(false);
    }
  }, [client, sessionId, stopReading, onAuthRequired]);

  // Escape stops from anywhere on the page, unless something else (a dialog, a rename) used it.
  useEffect(() => {
    if (!running) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      // Wherever focus was, it lands in the composer, as after Stop by mouse.
      composerInput.current?.focus();
      void stop();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [running, stop]);

  const chatError = status === 'error' && !conflict ? chat.error : undefined;
  // A failed answer shows its own error; repeat nothing the last message already says.
  const lastOutcome = readMessageOutcome(messages.at(-1)?.metadata);
  const errorShownInMessage =
    chatError !== undefined &&
    lastOutcome.status === 'failed' &&
    messages.at(-1)?.role === 'assistant';

  return (
    <div className={`chat${fileDrop.dragging ? ' chat-dropping' : ''}`} {...fileDrop.handlers}>
      <ToolApprovalContext value={toolApproval}>
        <MessageList
          messages={messages}
          status={status}
          olderMessages={olderMessages}
          actions={actions}
          pendingFollowUps={waitingFollowUps}
          polledOperations={polledOperations}
        >
          {conflict && (
            <div className="notice notice-info" data-testid="conflict-notice" role="status">
              <span>
                An answer is already being written in this chat, started in another tab or on
                another device. It is shown here; send your message again when it has finished.
              </span>
              <button type="button" className="link-button" onClick={() => setConflict(false)}>
                Dismiss
              </button>
            </div>
          )}
          {chatError && !errorShownInMessage && (
            <div className="notice notice-error" data-testid="error-notice" role="alert">
              {isAuthError(chatError)
                ? 'This server needs an access token: enter one in the sidebar.'
                : describeError(chatError)}
              {!isAuthError(chatError) && (
                <RetryButton
                  onRetry={() => {
                    const last = messages.at(-1);
                    regenerateAnswer(last?.role === 'assistant' ? last.id : undefined);
                  }}
                />
              )}
            </div>
          )}
          {notice && (
            <div className="notice notice-error" role="alert">
              {notice}
            </div>
          )}
        </MessageList>
      </ToolApprovalContext>
      <Composer
        value={draft}
        onChange={setDraft}
        onSend={(text) => send(composed(text))}
        onInterrupt={(text) => sendFollowUp(composed(text), 'interrupt')}
        onStop={() => void stop()}
        status={status}
        running={running}
        stopping={stopping}
        autoFocus
        inputRef={composerInput}
        attachments={attachments}
      />
    </div>
  );
}
