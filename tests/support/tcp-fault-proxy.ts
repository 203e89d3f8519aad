import { createServer, type Server, type Socket, connect as connectTcp } from 'node:net';

/**
 * Test support: a TCP proxy in front of a real service that can fail the network on demand, so a
 * test sees what a client sees when the broker restarts or a link dies, without touching the
 * broker that other tests share. Cutting resets both sides, so the broker notices at once too.
 */
export class TcpFaultProxy {
  static async start(target: { host: string; port: number }): Promise<TcpFaultProxy> {
    const proxy = new TcpFaultProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  readonly #target: { host: string; port: number };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #refusing = false;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is closed');
    return address.port;
  }

  /** Resets every open connection, as a crashed broker or a dead link would. */
  cut(): void {
    for (const socket of this.#sockets) socket.resetAndDestroy();
    this.#sockets.clear();
  }

  /**
   * Stops carrying bytes on every open connection without closing it, as a link that died
   * without a reset would (a laptop that slept, a NAT entry that expired): neither side notices.
   * New connections work as usual.
   */
  freeze(): void {
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /** Cuts every connection and resets new ones at once, as a broker that is down would. */
  goDown(): void {
    this.#refusing = true;
    this.cut();
  }

  comeBack(): void {
    this.#refusing = false;
  }

  async close(): Promise<void> {
    this.goDown();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connectTcp(this.#target.port, this.#target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
