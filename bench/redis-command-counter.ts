import { connect, type Socket } from 'node:net';

/** Commands Redis executed while the counter listened, by where they came from. */
export interface CommandTally {
  /** Commands sent by clients, per client address (`127.0.0.1:port`); EVALSHA counts one. */
  byClient: Map<string, number>;
  /** Commands run inside Lua scripts (MONITOR shows them as coming from `lua`). */
  insideScripts: number;
}

/**
 * Counts the commands Redis executes through `MONITOR` on a connection of its own: unlike
 * `INFO commandstats` it tells the commands clients send (one per round trip, EVALSHA included)
 * from those Lua scripts run inside Redis, and says which connection sent each. Meant for a
 * private Redis: MONITOR costs Redis and this process a little CPU per command.
 */
export class RedisCommandCounter {
  readonly #socket: Socket;
  #pending = '';
  #tally: CommandTally = { byClient: new Map(), insideScripts: 0 };

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.#take(text));
  }

  static async start(port: number): Promise<RedisCommandCounter> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const counter = new RedisCommandCounter(socket);
    socket.write('MONITOR\r\n');
    return counter;
  }

  /** What was counted since the last call (or the start), and starts a new tally. */
  take(): CommandTally {
    const tally = this.#tally;
    this.#tally = { byClient: new Map(), insideScripts: 0 };
    return tally;
  }

  stop(): void {
    this.#socket.destroy();
  }

  // Each MONITOR line: `+<time> [<db> <source>] "<command>" …` with `\r\n` escaped inside.
  #take(text: string): void {
    const lines = (this.#pending + text).split('\r\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) {
      const open = line.indexOf('[');
      const close = line.indexOf(']', open);
      if (!line.startsWith('+') || open === -1 || close === -1) continue;
      const source = line.slice(line.indexOf(' ', open) + 1, close);
      if (source === 'lua') this.#tally.insideScripts += 1;
      else this.#tally.byClient.set(source, (this.#tally.byClient.get(source) ?? 0) + 1);
    }
  }
}
