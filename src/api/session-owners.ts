import type { Session } from '../store/chat-store.ts';

export interface SessionOwnersOptions {
  /**
   * Also remember sessions without an owner. Only where nobody can claim one (sign-in is off, so
   * `assignUser` is refused) or this process makes every claim (an embedded store, which no other
   * process opens): a claim made by another API process would go unseen here.
   */
  rememberUnowned: boolean;
  /** The most sessions remembered; the oldest remembered is forgotten first. */
  maxEntries?: number;
}

/** A session and its owner, which is what a route needs to let a caller start a turn in it. */
export type SessionOwner = Pick<Session, 'id' | 'userId'>;

const defaultMaxEntries = 10_000;

/**
 * Who owns which session, remembered so that starting a turn (the request every answer waits on)
 * does not read the session first. Sound because an owner, once set, never changes; a session
 * deleted meanwhile is still refused, by the store call that starts the turn. The API forgets a
 * session it deletes or hands to a user.
 */
export class SessionOwners {
  readonly #owners = new Map<string, string | null>();
  readonly #rememberUnowned: boolean;
  readonly #maxEntries: number;

  constructor(options: SessionOwnersOptions) {
    this.#rememberUnowned = options.rememberUnowned;
    this.#maxEntries = options.maxEntries ?? defaultMaxEntries;
  }

  /** The remembered owner of the session, or undefined when it is not remembered. */
  get(sessionId: string): SessionOwner | undefined {
    const userId = this.#owners.get(sessionId);
    return userId === undefined ? undefined : { id: sessionId, userId };
  }

  remember(session: SessionOwner): void {
    if (session.userId === null && !this.#rememberUnowned) return;
    if (this.#owners.size >= this.#maxEntries && !this.#owners.has(session.id)) {
      const oldest = this.#owners.keys().next();
      if (!oldest.done) this.#owners.delete(oldest.value);
    }
    this.#owners.set(session.id, session.userId);
  }

  forget(sessionId: string): void {
    this.#owners.delete(sessionId);
  }
}
