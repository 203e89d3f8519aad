import {
  convertToModelMessages,
  type FileUIPart,
  type TextUIPart,
  type UIMessageChunk,
  type Experimental_Steering as Steering,
  type UIMessage,
  type UserModelMessage,
} from 'ai';
import type { Logger } from '../logger.ts';
import type { ChatStore, PendingMessage } from '../store/chat-store.ts';

/**
 * Hands a session's waiting follow-ups (stored by whichever API process took the POST) to the
 * model of the turn running there, through the AI SDK's steering: `steer` ones at the next step
 * boundary, `queue` ones once the current task is answered. The store is read before the first
 * step and after every step where the registry counted a follow-up since the last read — exactly
 * where the SDK takes messages — so a follow-up reaches whichever executor runs the turn, and one
 * stored and counted while the last step streamed still keeps the run going (one counted after
 * the last step's end starts the next turn instead). Handing a message over records nothing: the turn's end persists a
 * `steering-message` part for each message the model actually received (as sent, `asSent`), and
 * the store marks those taken (the others start the next turn), so a message is answered once
 * however the turn ends.
 */
export class SteeringFeed {
  /** The follow-ups handed over, by id, with the parts their sender wrote. */
  readonly #handedOver = new Map<string, Array<TextUIPart | FileUIPart>>();
  readonly #store: ChatStore;
  readonly #sessionId: string;
  readonly #steering: Steering;
  readonly #logger: Logger;
  readonly #toModel: (message: UIMessage) => UIMessage | Promise<UIMessage>;
  readonly #countFollowUps: (() => Promise<number>) | undefined;
  /** The count `#countFollowUps` gave when the store was last read for follow-ups. */
  #followUpsRead = 0;

  constructor(options: {
    store: ChatStore;
    sessionId: string;
    steering: Steering;
    logger: Logger;
    /**
     * What the model reads of a message: one part in place of each of its parts (a file's
     * contents for the file), then any parts it adds (its page context as text). Awaited before
     * the message is handed over, one message at a time, so follow-ups keep their order.
     */
    toModel?: (message: UIMessage) => UIMessage | Promise<UIMessage>;
    /**
     * How many follow-ups were stored for the turn so far, counted after each is stored
     * (`StreamRegistry.countFollowUps`): `pull` reads the store only when this moved. A store
     * read at every step's end would sit between the model's last word and the turn's end.
     * Absent: `pull` always reads the store.
     */
    countFollowUps?: () => Promise<number>;
  }) {
    this.#store = options.store;
    this.#sessionId = options.sessionId;
    this.#steering = options.steering;
    this.#logger = options.logger;
    this.#toModel = options.toModel ?? ((message) => message);
    this.#countFollowUps = options.countFollowUps;
  }

  /**
   * The chunk as the stream, the stored answer and the next turns show it: a `steering-message`
   * chunk of a follow-up handed over here carries the parts its sender wrote (its file parts
   * pointing at uploads), not what the model read of them (`toModel`: files' text, images'
   * bytes), which would copy every attached file into the answer; then the parts `toModel`
   * appended (its page context).
   */
  asSent(chunk: UIMessageChunk): UIMessageChunk {
    if (chunk.type !== 'steering-message') return chunk;
    const parts = this.#handedOver.get(chunk.id);
    return parts === undefined ? chunk : { ...chunk, parts };
  }

  /**
   * Reads the waiting follow-ups, if any was counted since the last read, and hands over the new
   * ones, oldest first. Never rejects.
   */
  async pull(): Promise<void> {
    const counted = await this.#countedFollowUps();
    if (counted !== null && counted === this.#followUpsRead) return;
    try {
      await this.handOver(await this.#store.listPendingMessages(this.#sessionId));
      // Only once read: after a failed read the next step reads again.
      if (counted !== null) this.#followUpsRead = counted;
    } catch (error) {
      // A missed read only delays the follow-up: the next step reads again, the end starts it.
      this.#logger.warn({ err: error, sessionId: this.#sessionId }, 'could not read follow-ups');
    }
  }

  /**
   * The registry's count of the turn's follow-ups, read BEFORE the store: each is counted once
   * stored, so a store read after this count covers every follow-up it counts. Null when unknown
   * (no counter, or it failed): then the store is read, as without one.
   */
  async #countedFollowUps(): Promise<number | null> {
    if (!this.#countFollowUps) return null;
    try {
      return await this.#countFollowUps();
    } catch (error) {
      this.#logger.warn({ err: error, sessionId: this.#sessionId }, 'could not count follow-ups');
      return null;
    }
  }

  /**
   * Hands over the follow-ups among `waiting` (the session's waiting messages, oldest first, as
   * the store lists them) not handed over yet: what `pull` does with what it reads, for a caller
   * that read them already.
   */
  async handOver(waiting: PendingMessage[]): Promise<void> {
    for (const pending of waiting) {
      const id = pending.message.id;
      // An operation's continuation is a turn of its own, after this one.
      if (pending.mode === 'continue' || this.#handedOver.has(id)) continue;
      const sent = pending.message.parts;
      const read = await this.#toModel(pending.message);
      const message = await userModelMessage(read);
      if (!message) continue;
      this.#handedOver.set(
        id,
        [...sent, ...read.parts.slice(sent.length)].filter(
          (part): part is TextUIPart | FileUIPart => part.type === 'text' || part.type === 'file',
        ),
      );
      // The outcome is not awaited: the SDK resolves it only at the step that takes it.
      void (pending.mode === 'queue'
        ? this.#steering.queue(message, { id })
        : this.#steering.steer(message, { id }));
    }
  }
}

async function userModelMessage(message: UIMessage): Promise<UserModelMessage | null> {
  const [converted] = await convertToModelMessages([{ ...message, role: 'user' }]);
  return converted?.role === 'user' ? converted : null;
}
