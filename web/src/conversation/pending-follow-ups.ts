import type { FileUIPart, TextUIPart, UIMessage } from 'ai';
import type { SessionDetail } from '../../../src/client/index.ts';
import { isRecord } from './message-outcome.ts';

/**
 * A message sent while an answer streamed that no answer has taken yet: shown under the
 * answer, marked as waiting, until it lands in it (a `steering-message` part with its id) or
 * starts the next turn (a user message with its id).
 */
export interface PendingFollowUp {
  id: string;
  parts: (TextUIPart | FileUIPart)[];
}

/**
 * The ids of the messages that have landed: every user message, and every `steering-message`
 * part of an answer. A follow-up with one of these ids is no longer waiting.
 */
export function landedMessageIds(messages: UIMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) {
    if (message.role === 'user') ids.add(message.id);
    else if (message.role === 'assistant') {
      for (const part of message.parts) {
        if (part.type === 'steering-message') ids.add(part.id);
      }
    }
  }
  return ids;
}

/** The follow-ups not yet in `messages`, in the order they were sent. */
export function stillWaiting(
  followUps: PendingFollowUp[],
  messages: UIMessage[],
): PendingFollowUp[] {
  if (followUps.length === 0) return followUps;
  const landed = landedMessageIds(messages);
  return followUps.filter(({ id }) => !landed.has(id));
}

/**
 * `pending_messages` of a session as the server listed them, oldest first. A server without
 * follow-ups (before it had them) sends none; entries it may add later without an id or parts
 * are skipped rather than shown broken.
 */
export function readPendingFollowUps(detail: SessionDetail): PendingFollowUp[] {
  const listed: unknown = (detail as { pending_messages?: unknown }).pending_messages;
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.id !== 'string' || !Array.isArray(entry.parts)) return [];
    const parts = entry.parts.filter(isUserContentPart);
    return [{ id: entry.id, parts }];
  });
}

/**
 * A session's snapshot merged into the follow-ups shown: the server's list first (its order is
 * the order the answers take them in), then those sent here that it did not list yet (their POST
 * is on its way), minus any that landed in the snapshot's messages.
 */
export function mergePendingFollowUps(
  shown: PendingFollowUp[],
  fromServer: PendingFollowUp[],
  snapshotMessages: UIMessage[],
): PendingFollowUp[] {
  const listed = new Set(fromServer.map(({ id }) => id));
  const merged = [...fromServer, ...shown.filter(({ id }) => !listed.has(id))];
  return stillWaiting(merged, snapshotMessages);
}

function isUserContentPart(part: unknown): part is TextUIPart | FileUIPart {
  if (!isRecord(part)) return false;
  if (part.type === 'text') return typeof part.text === 'string';
  return part.type === 'file' && typeof part.url === 'string' && typeof part.mediaType === 'string';
}
