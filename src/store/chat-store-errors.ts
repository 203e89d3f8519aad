/** The session does not exist, or was deleted while the call ran. */
export class SessionNotFoundError extends Error {
  readonly code = 'session_not_found';
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`session ${sessionId} does not exist`);
    this.name = 'SessionNotFoundError';
    this.sessionId = sessionId;
  }
}

/**
 * A message id is already taken in this session by a message of another role (or one that
 * started no turn). Message ids are unique within a session only, so this never tells anything
 * about other sessions; it is a client error (409), never a retry.
 */
export class MessageIdConflictError extends Error {
  readonly code = 'message_id_conflict';
  readonly messageId: string;

  constructor(messageId: string) {
    super(`message id ${messageId} is already used by another message of the session`);
    this.name = 'MessageIdConflictError';
    this.messageId = messageId;
  }
}

/**
 * The message a regenerate or an edit names is not in the session: it never was, it was removed
 * by a later regenerate or edit, or it belongs to another session (which looks the same).
 */
export class MessageNotFoundError extends Error {
  readonly code = 'message_not_found';
  readonly messageId: string;

  constructor(messageId: string) {
    super(`message ${messageId} is not in the session`);
    this.name = 'MessageNotFoundError';
    this.messageId = messageId;
  }
}

/**
 * A start call with `onlyIfSettled` found a queued or running turn in the session and stored
 * nothing: the caller ends that turn (its registry state was lost) and calls again.
 */
export class UnsettledTurnsError extends Error {
  readonly code = 'unsettled_turns';
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`session ${sessionId} has a turn that is still queued or running`);
    this.name = 'UnsettledTurnsError';
    this.sessionId = sessionId;
  }
}

/** A regenerate found no message to answer: the session has none that started a turn. */
export class NothingToAnswerError extends Error {
  readonly code = 'nothing_to_answer';
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`session ${sessionId} has no message to answer again`);
    this.name = 'NothingToAnswerError';
    this.sessionId = sessionId;
  }
}

/**
 * Approval answers that match no pending approval: the message is missing (or in another
 * session, which looks the same), is not the session's last, was answered otherwise, or asks
 * for approvals the answers leave out. A client error (409), never a retry.
 */
export class ApprovalNotPendingError extends Error {
  readonly code = 'approval_not_pending';
  readonly messageId: string;

  constructor(messageId: string, reason: string) {
    super(reason);
    this.name = 'ApprovalNotPendingError';
    this.messageId = messageId;
  }
}
