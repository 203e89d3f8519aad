import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 1×1 transparent PNG. */
const pixel = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

export interface ImageRequest {
  /** Path and query, e.g. `/pixel.png?leak=…`. */
  url: string;
  /** The `Referer` the browser sent, if any. */
  referer: string | undefined;
}

/** A host on 127.0.0.1 that answers every GET with an image and records each request. */
export interface ImageServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly ImageRequest[];
  /** Serves this HTML at `path` instead of an image (a page of this origin, e.g. one framing the app). */
  servePage(path: string, html: string): void;
  close(): Promise<void>;
}

/**
 * Starts an image host for browser tests: an answer's image pointing here shows whether the
 * browser made a request (the exfiltration a prompt-injected answer would attempt).
 */
export async function startImageServer(): Promise<ImageServer> {
  const requests: ImageRequest[] = [];
  const pages = new Map<string, string>();
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push({ url, referer: request.headers.referer });
    const page = pages.get(url.split('?')[0] ?? url);
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
      return;
    }
    response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    response.end(pixel);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    servePage(path, html) {
      pages.set(path, html);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
