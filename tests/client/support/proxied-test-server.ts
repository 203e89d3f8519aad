import { DurableChatClient } from '../../../src/client/index.ts';
import { startTestServer, type TestServer } from '../../support/start-test-server.ts';
import { TcpFaultProxy } from '../../support/tcp-fault-proxy.ts';

/** A test server, a fault proxy in front of it, and a client that talks to the server directly. */
export interface ProxiedTestServer {
  server: TestServer;
  proxy: TcpFaultProxy;
  /** Reaches the server past the proxy: to set up and check what the proxied client did. */
  direct: DurableChatClient;
  /** The address that goes through the proxy. */
  proxiedUrl: string;
  close(): Promise<void>;
}

export async function startProxiedTestServer(
  environment: Record<string, string>,
): Promise<ProxiedTestServer> {
  const server = await startTestServer(environment);
  const { hostname, port } = new URL(server.baseUrl);
  const proxy = await TcpFaultProxy.start({ host: hostname, port: Number(port) });
  return {
    server,
    proxy,
    direct: new DurableChatClient({ baseUrl: server.baseUrl }),
    proxiedUrl: `http://127.0.0.1:${proxy.port}`,
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}
