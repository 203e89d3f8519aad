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
 * A message id is already taken by a message of another session, or of another role in this
 * session. Message ids are global, so this is a client error (409), never a retry.
 */
export class MessageIdConflictError extends Error {
  readonly code = 'message_id_conflict';
  readonly messageId: string;

  constructor(messageId: string) {
    super(`message id ${messageId} is already used by another message`);
    this.name = 'MessageIdConflictError';
    this.messageId = messageId;
  }
}
