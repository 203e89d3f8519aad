import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test server that lets every connection's response run for a
 * random number of bytes and then resets it — mid-header, mid-event, between events, wherever
 * the budget runs out — as a flaky network would. `budget()` picks each connection's byte limit;
 * Infinity lets a connection through untouched.
 */
export class ByteCuttingProxy {
  static async start(
    target: { host: string; port: number },
    budget: () => number,
  ): Promise<ByteCuttingProxy> {
    const proxy = new ByteCuttingProxy(target, budget);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Connections this proxy has cut so far. */
  cuts = 0;
  connections = 0;
  readonly #target: { host: string; port: number };
  readonly #budget: () => number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(target: { host: string; port: number }, budget: () => number) {
    this.#target = target;
    this.#budget = budget;
    this.#server = createServer((client) => this.#accept(client));
  }

  get baseUrl(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is closed');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.connections += 1;
    let remaining = this.#budget();
    let cutting = false;
    const upstream = connect(this.#target.port, this.#target.host);
    this.#sockets.add(client).add(upstream);
    const cut = () => {
      this.cuts += 1;
      upstream.resetAndDestroy();
      // Half the cuts reset the client (a network error), half close it cleanly (a body that
      // ends too early). A reset discards what the client has not read yet, so it waits a
      // moment for the bytes before the cut to arrive.
      if (Math.random() < 0.5) client.destroySoon();
      else setTimeout(() => client.resetAndDestroy(), 5);
    };
    client.pipe(upstream);
    upstream.on('data', (data: Buffer) => {
      if (cutting || client.destroyed) return;
      if (data.length < remaining) {
        remaining -= data.length;
        client.write(data);
        return;
      }
      // Hand over the bytes up to the budget, then reset once they are out.
      cutting = true;
      client.write(data.subarray(0, remaining), () => cut());
      upstream.pause();
    });
    upstream.on('end', () => client.end());
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
  }
}
