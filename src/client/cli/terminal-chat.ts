import { createInterface, type Interface } from 'node:readline';
import { generateId, type UIMessageChunk } from 'ai';
import type { ApprovalAnswer, MultitaskStrategy } from '../api-types.ts';
import { DurableChatApiError } from '../durable-chat-api-error.ts';
import type { DurableChatClient } from '../durable-chat-client.ts';
import type { ResumableTurnStream, TurnStreamOptions } from '../resumable-turn-stream.ts';

export interface TerminalChatOptions {
  client: DurableChatClient;
  sessionId: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  notices: NodeJS.WritableStream;
  /**
   * Lines typed while an answer streams are follow-ups sent at once (steer by default). True
   * by default when the input is a terminal; piped input is a script whose every line waits
   * for the answer before it.
   */
  liveInput?: boolean;
  /** Uploaded files the first message sent attaches. */
  fileIds?: readonly string[];
}

/** A tool call of the answer shown that waits for the user's approval. */
interface PendingApproval {
  approvalId: string;
  toolName: string;
  input: unknown;
}

/** A follow-up sent while an answer streamed that has not shown up in an answer yet. */
interface FollowUp {
  id: string;
  text: string;
}

/** Follow-up commands: `/queue <text>` and `/interrupt <text>`; a plain line steers. */
const followUpCommands: Readonly<Record<string, MultitaskStrategy>> = {
  '/steer': 'steer',
  '/queue': 'queue',
  '/interrupt': 'interrupt',
};

type AnswerOutcome = 'completed' | 'stopped' | 'failed';

/** The input line that answers the last message again instead of sending a message. */
const retryCommand = '/retry';

/** Longest tool input or output shown; tool calls are shown briefly, not dumped. */
const maxToolText = 160;

/**
 * The chat loop of the CLI: each input line is a message, its answer streams to `output` (the
 * text only, so piping works), everything else goes to `notices`. The line `/retry` replaces the
 * last answer with a new one (after an error or a stop, or to get another answer). Ctrl+C during an answer
 * stops the turn on the server — not just this reader — and shows it stopped; a second Ctrl+C,
 * or one at the prompt, quits.
 *
 * With live input (a terminal), a line typed while an answer streams is a follow-up sent at
 * once: steered into the running answer, or with `/queue <text>` answered after its current
 * task, or with `/interrupt <text>` answered instead of it (the running answer stops). The
 * running answer keeps printing; a follow-up shows where it lands — `› you: <text>` inside the
 * answer when the model takes it there, or before the next answer when it starts the next turn,
 * which the chat then follows.
 *
 * An answer that ends asking to approve tool calls asks `Approve <tool>(<input>)? [y/n]` for
 * each (the next input line answers: `y`/`yes` approves, anything else denies), sends the
 * answers and shows the same answer going on.
 */
export class TerminalChat {
  readonly #options: TerminalChatOptions;
  readonly #interactive: boolean;
  readonly #liveInput: boolean;
  #lines: AsyncIterator<string> | null = null;
  /** A read of the next input line that was started and not consumed yet. */
  #nextLine: Promise<IteratorResult<string>> | null = null;
  #unsentFileIds: readonly string[];
  #inputEnded = false;
  /** Follow-ups sent during the answers being shown that have not landed in one yet. */
  #unlanded: FollowUp[] = [];
  /** The turn an interrupting follow-up (or one that came too late for a turn) started. */
  #nextTurn: { stream: ResumableTurnStream; followUp: FollowUp } | null = null;
  #answering = false;
  #stopping = false;
  #lineOpen = false;
  #failed = false;
  /** The id of the last answer shown (`start.messageId`), for `/retry`. */
  #lastAnswerId: string | null = null;
  /** Tool calls of the answer shown, by id: what an approval request names. */
  #toolCalls = new Map<string, { toolName: string; input: unknown }>();
  /** Approval requests of the answer shown that no answer has met yet. */
  #pendingApprovals: PendingApproval[] = [];

  constructor(options: TerminalChatOptions) {
    this.#options = options;
    this.#interactive = options.input.isTTY === true;
    this.#liveInput = options.liveInput ?? this.#interactive;
    this.#unsentFileIds = options.fileIds ?? [];
  }

  /** Runs until the input ends; resolves with the process exit code. */
  async run(options: { resume: boolean }): Promise<number> {
    const lines = createInterface({
      input: this.#options.input,
      output: this.#options.notices,
      terminal: this.#interactive,
    });
    // Iterate from the start: lines (and the end of input) that arrive while a resumed answer
    // streams are buffered, not lost.
    this.#lines = lines[Symbol.asyncIterator]();
    const interrupt = () => this.#interrupt();
    lines.on('SIGINT', interrupt);
    process.on('SIGINT', interrupt);
    try {
      if (options.resume) {
        const outcome = await this.#resume();
        if (outcome === 'stopped' && !this.#interactive) return 130;
      }
      return await this.#loop(lines);
    } finally {
      process.off('SIGINT', interrupt);
      lines.close();
    }
  }

  async #loop(lines: Interface): Promise<number> {
    lines.setPrompt('you › ');
    while (true) {
      if (this.#interactive) lines.prompt();
      const next = await this.#readLine();
      this.#nextLine = null;
      if (next.done) break;
      const text = next.value.trim();
      if (text === '') continue;
      const outcome = text === retryCommand ? await this.#retry() : await this.#send(text);
      if (outcome === 'stopped' && !this.#interactive) return 130;
    }
    if (this.#interactive) this.#notice('');
    return this.#failed ? 1 : 0;
  }

  /** The next input line; the same read until it is consumed (`#nextLine = null`). */
  #readLine(): Promise<IteratorResult<string>> {
    if (this.#inputEnded || this.#lines === null) {
      return Promise.resolve({ done: true, value: undefined });
    }
    this.#nextLine ??= this.#lines.next().then((result) => {
      if (result.done === true) this.#inputEnded = true;
      return result;
    });
    return this.#nextLine;
  }

  async #resume(): Promise<AnswerOutcome | null> {
    const { client, sessionId } = this.#options;
    try {
      const stream = await client.resumeTurn(sessionId, this.#streamOptions());
      if (stream === null) {
        this.#notice('[no turn is running in this session]');
        return null;
      }
      this.#notice('[re-attached to the running turn]');
      return await this.#answer(stream);
    } catch (error) {
      this.#reportError(error);
      return 'failed';
    }
  }

  async #send(text: string): Promise<AnswerOutcome> {
    const { client, sessionId } = this.#options;
    const fileIds = this.#unsentFileIds;
    try {
      const message = { text, fileIds };
      const stream = await client.sendMessage(sessionId, message, this.#streamOptions());
      // Attached once: a refused send keeps them for the next line.
      this.#unsentFileIds = [];
      return await this.#answer(stream);
    } catch (error) {
      this.#reportError(error);
      return 'failed';
    }
  }

  /** Replaces the last answer with a new one (the one seen here, else the session's last). */
  async #retry(): Promise<AnswerOutcome> {
    const { client, sessionId } = this.#options;
    this.#notice('[answering the last message again]');
    const messageId = this.#lastAnswerId;
    try {
      const outcome = await this.#answer(
        await client.regenerate(sessionId, {
          ...this.#streamOptions(),
          ...(messageId === null ? {} : { messageId }),
        }),
      );
      // The failure it retried is behind us: the exit code says how the conversation ended.
      if (outcome === 'completed') this.#failed = false;
      return outcome;
    } catch (error) {
      this.#reportError(error);
      return 'failed';
    }
  }

  /**
   * Shows an answer, sends the lines typed meanwhile as follow-ups, then follows the turns
   * those follow-ups start; resolves with how the last answer shown ended.
   */
  async #answer(first: ResumableTurnStream): Promise<AnswerOutcome> {
    let stream = first;
    let outcome = await this.#showWithFollowUps(stream);
    for (;;) {
      if (outcome === 'completed' && this.#pendingApprovals.length > 0) {
        const continued = await this.#answerApprovals();
        if (continued === null) break;
        stream = continued;
        outcome = await this.#showWithFollowUps(stream);
        continue;
      }
      let next = this.#nextTurn;
      this.#nextTurn = null;
      if (next === null && this.#unlanded.length > 0) {
        const followed = await this.#options.client.followSession(this.#options.sessionId, {
          ...this.#streamOptions(),
          afterTurnId: stream.turnId,
        });
        const [followUp] = this.#unlanded;
        if (followed !== null && followUp !== undefined) next = { stream: followed, followUp };
      }
      if (next === null) break;
      this.#unlanded = this.#unlanded.filter(({ id }) => id !== next.followUp.id);
      this.#notice(`› you: ${next.followUp.text}`);
      stream = next.stream;
      outcome = await this.#showWithFollowUps(stream);
    }
    this.#unlanded = [];
    return outcome;
  }

  /**
   * Asks about each pending approval, then sends the answers; the stream of the continued
   * answer, or null when the input ended first or the server refused (reported).
   */
  async #answerApprovals(): Promise<ResumableTurnStream | null> {
    const pending = this.#pendingApprovals;
    this.#pendingApprovals = [];
    const messageId = this.#lastAnswerId;
    if (messageId === null) return null;
    const answers: ApprovalAnswer[] = [];
    for (const { approvalId, toolName, input } of pending) {
      this.#notice(`Approve ${toolName}(${brief(input)})? [y/n]`);
      const next = await this.#readLine();
      this.#nextLine = null;
      if (next.done === true) return null;
      const approved = /^y(es)?$/i.test(next.value.trim());
      answers.push({ approvalId, approved });
    }
    const { client, sessionId } = this.#options;
    try {
      return await client.respondToApproval(sessionId, messageId, answers, this.#streamOptions());
    } catch (error) {
      this.#reportError(error);
      return null;
    }
  }

  async #showWithFollowUps(stream: ResumableTurnStream): Promise<AnswerOutcome> {
    if (!this.#liveInput) return this.#show(stream);
    let ended = false;
    const showing = this.#show(stream).finally(() => {
      ended = true;
    });
    const answerEnded = showing.then(
      () => null,
      () => null,
    );
    while (!ended && !this.#inputEnded) {
      const next = await Promise.race([answerEnded, this.#readLine()]);
      if (next === null || next.done === true) break;
      this.#nextLine = null;
      const text = next.value.trim();
      if (text !== '') await this.#sendFollowUp(text);
    }
    return showing;
  }

  /** Sends a line typed during an answer: steered in, queued, or interrupting. */
  async #sendFollowUp(line: string): Promise<void> {
    if (line === retryCommand) {
      this.#notice('[/retry waits for the answer to end]');
      return;
    }
    const [command = '', ...rest] = line.split(/\s+/);
    const strategy = followUpCommands[command];
    const text = strategy === undefined ? line : rest.join(' ');
    if (text === '') {
      this.#notice(`[${command} needs a message]`);
      return;
    }
    const followUp: FollowUp = { id: generateId(), text };
    // Known before the POST: the answer may show it (a steering part) before the POST returns.
    this.#unlanded.push(followUp);
    try {
      const stream = await this.#options.client.sendMessage(
        this.#options.sessionId,
        { text, messageId: followUp.id },
        { ...this.#streamOptions(), multitask: strategy ?? 'steer' },
      );
      if (stream.multitask === 'steered' || stream.multitask === 'queued') {
        await stream.close();
        this.#notice(
          stream.multitask === 'steered'
            ? '[sent: the answer takes it at its next step]'
            : '[queued: answered after the current task]',
        );
        return;
      }
      // A new turn answers it (an interrupt, or the running turn ended before the message came).
      this.#unlanded = this.#unlanded.filter(({ id }) => id !== followUp.id);
      if (stream.multitask === 'interrupted') this.#notice('[interrupting…]');
      await this.#nextTurn?.stream.close();
      this.#nextTurn = { stream, followUp };
    } catch (error) {
      this.#unlanded = this.#unlanded.filter(({ id }) => id !== followUp.id);
      this.#reportError(error);
    }
  }

  async #show(stream: ResumableTurnStream): Promise<AnswerOutcome> {
    this.#answering = true;
    this.#stopping = false;
    this.#pendingApprovals = [];
    let outcome: AnswerOutcome = 'completed';
    try {
      for await (const { chunk } of stream) {
        const ended = this.#render(chunk);
        if (ended) outcome = ended;
      }
    } finally {
      this.#answering = false;
      this.#endLine();
    }
    if (outcome === 'failed') this.#failed = true;
    return outcome;
  }

  /** Writes one chunk; returns how the answer ended when the chunk ends it. */
  #render(chunk: UIMessageChunk): AnswerOutcome | null {
    switch (chunk.type) {
      case 'start':
        // Named in a later `/retry`, which makes its retries re-attach rather than answer twice.
        if (chunk.messageId !== undefined) this.#lastAnswerId = chunk.messageId;
        return null;
      case 'text-delta':
        this.#options.output.write(chunk.delta);
        this.#lineOpen = chunk.delta.length > 0 && !chunk.delta.endsWith('\n');
        return null;
      case 'steering-message': {
        const text = chunk.parts.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
        this.#unlanded = this.#unlanded.filter(({ id }) => id !== chunk.id);
        this.#notice(`› you: ${text}`);
        return null;
      }
      case 'tool-input-available':
        this.#toolCalls.set(chunk.toolCallId, { toolName: chunk.toolName, input: chunk.input });
        this.#notice(`[tool ${chunk.toolName} ${brief(chunk.input)}]`);
        return null;
      case 'tool-approval-request': {
        const call = this.#toolCalls.get(chunk.toolCallId);
        this.#pendingApprovals.push({
          approvalId: chunk.approvalId,
          toolName: call?.toolName ?? 'tool',
          input: call?.input,
        });
        return null;
      }
      case 'tool-approval-response':
        // A replay of an answered approval (the continued answer restored from its start).
        this.#pendingApprovals = this.#pendingApprovals.filter(
          ({ approvalId }) => approvalId !== chunk.approvalId,
        );
        return null;
      case 'tool-output-denied':
        this.#notice('[tool call denied]');
        return null;
      case 'tool-output-available':
        if (!chunk.preliminary) this.#notice(`[tool result ${brief(chunk.output)}]`);
        return null;
      case 'tool-output-error':
      case 'tool-input-error':
        this.#notice(`[tool failed: ${brief(chunk.errorText)}]`);
        return null;
      case 'error':
        this.#notice(`[error] ${chunk.errorText}`);
        return 'failed';
      case 'abort':
        this.#notice('[stopped]');
        return 'stopped';
      case 'finish':
        this.#endLine();
        return 'completed';
      default:
        return null;
    }
  }

  #interrupt(): void {
    if (!this.#answering || this.#stopping) {
      this.#endLine();
      process.exit(130);
    }
    this.#stopping = true;
    this.#notice('[stopping… press Ctrl+C again to quit]');
    this.#options.client.cancelTurn(this.#options.sessionId).catch((error: unknown) => {
      this.#reportError(error);
    });
  }

  #streamOptions(): TurnStreamOptions {
    return {
      onReconnect: ({ attempt }) => this.#notice(`[connection lost; reconnecting (${attempt})…]`),
    };
  }

  #reportError(error: unknown): void {
    this.#failed = true;
    if (error instanceof DurableChatApiError) {
      this.#notice(`error: ${error.message} (${error.code})`);
    } else if (error instanceof TypeError) {
      this.#notice(`error: cannot reach the server: ${error.message}`);
    } else {
      this.#notice(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #notice(text: string): void {
    this.#endLine();
    this.#options.notices.write(`${text}\n`);
  }

  #endLine(): void {
    if (!this.#lineOpen) return;
    this.#options.output.write('\n');
    this.#lineOpen = false;
  }
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > maxToolText ? `${text.slice(0, maxToolText - 1)}…` : text;
}
