import { readFile, stat } from 'node:fs/promises';
import { extname, join, posix, resolve, sep } from 'node:path';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import type { ApiEnvironment } from './api-dependencies.ts';
import { contentSecurityPolicy, missingBuildPagePolicy } from './content-security-policy.ts';
import { newVisitorKey, readVisitorKey, visitorCookie } from './visitor-key.ts';

/** Where `npm run build:web` (and `npm install` / `npm start`) put the built web app. */
export const builtWebAppDirectory = resolve(import.meta.dirname, '../../web/dist');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

// Vite names every bundled file after its content hash, so a URL under /assets/ never changes
// meaning; everything else (index.html above all) must be revalidated to pick up a new build.
const immutableCache = 'public, max-age=31536000, immutable';
const revalidate = 'no-cache';

const missingBuildPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>durable-chat</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The web app is not built</h1>
<p>The API is running, but <code>web/dist</code> does not exist. Build the app with
<code>npm run build:web</code> (<code>npm install</code> and <code>npm start</code> do it for you),
then reload this page.</p>
<p>The HTTP API works without it: see <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
`;

export interface WebAppOptions {
  /** The built app; `web/dist` unless a test serves another. */
  directory?: string;
  /** Origins answer images may load from (IMAGE_HOSTS): the `img-src` of the policy. */
  imageOrigins?: readonly string[];
  /**
   * Anonymous mode: every page gives a browser without one a visitor key cookie, so the API
   * calls the page makes carry an identity that owns its chats (see visitor-key.ts).
   */
  issueVisitorKeys?: boolean;
}

/**
 * Serves the built web app: files from `directory`, and `index.html` for any other page path so
 * that `/?session=…` and client-side URLs survive a reload. Paths under `/api/` are never answered
 * here, so unknown API routes keep their JSON 404. Register it after the API routes.
 * Every file carries the app's Content-Security-Policy (see `contentSecurityPolicy`). Source maps
 * are never served, even from a build that has them: they would publish the app's sources.
 */
export function webAppRoutes(options: WebAppOptions = {}): Hono<ApiEnvironment> {
  const root = resolve(options.directory ?? builtWebAppDirectory);
  const policy = contentSecurityPolicy(options.imageOrigins ?? []);
  const routes = new Hono<ApiEnvironment>();
  if (options.issueVisitorKeys) {
    routes.use('*', async (context, next) => {
      await next();
      // Pages only (a 304 of a cached page says text/html too: a browser whose cookies were
      // cleared still needs a key); scripts, styles and images never need one.
      const page = (context.res.headers.get('content-type') ?? '').startsWith('text/html');
      if (!page || readVisitorKey(context.req.header('cookie')) !== null) return;
      context.res.headers.append(
        'set-cookie',
        visitorCookie(newVisitorKey(), isHttps(context.req)),
      );
      // Never stored by a shared cache, which would hand one key to every visitor.
      context.res.headers.set('cache-control', 'private, no-cache');
    });
  }
  routes.get('*', compress(), async (context) => {
    const path = context.req.path;
    if (path === '/api' || path.startsWith('/api/')) return context.notFound();

    const relative = safeRelativePath(path);
    if (relative === null || extname(relative).toLowerCase() === '.map') return context.notFound();

    const file = relative === '' ? null : await readStaticFile(root, relative);
    if (file === 'unreadable') return context.notFound();
    if (file) {
      const cacheControl = relative.startsWith('assets/') ? immutableCache : revalidate;
      return respondWithFile(context.req.header('if-none-match'), file, cacheControl, policy);
    }
    // A missing file with an extension is a broken link, not a page of the app.
    if (extname(relative) !== '') return context.notFound();

    const index = await readStaticFile(root, 'index.html');
    if (index === 'unreadable') return context.notFound();
    if (!index) {
      return context.html(missingBuildPage, 503, {
        'cache-control': 'no-store',
        'content-security-policy': missingBuildPagePolicy,
      });
    }
    return respondWithFile(context.req.header('if-none-match'), index, revalidate, policy);
  });

  return routes;
}

/** Over https directly, or behind a proxy that says the browser used https. */
function isHttps(request: { url: string; header(name: string): string | undefined }): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  const forwarded = request.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The path relative to the build directory, or null when it could escape it or is malformed. */
function safeRelativePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const normalized = posix.normalize(decoded);
  // `..` could escape the directory; dotfiles (the build record) are not part of the app.
  if (normalized.split('/').some((segment) => segment.startsWith('.'))) return null;
  return normalized.replace(/^\/+/, '');
}

/**
 * The file, null when there is none (a page path of the app may still be answered), or
 * 'unreadable' when the path cannot name one: a too-long name or path (ENAMETOOLONG), no
 * permission, a loop… Every such path from a client is a 404, never a 500.
 */
async function readStaticFile(
  root: string,
  relative: string,
): Promise<StaticFile | null | 'unreadable'> {
  const absolute = join(root, relative);
  if (!absolute.startsWith(root + sep)) return null;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) return null;
    const body = await readFile(absolute);
    return {
      body,
      contentType: contentTypes[extname(absolute).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`,
    };
  } catch (error) {
    // A file removed between stat and read (a rebuild in progress) is simply not there.
    return isMissingFileError(error) ? null : 'unreadable';
  }
}

function respondWithFile(
  ifNoneMatch: string | undefined,
  file: StaticFile,
  cacheControl: string,
  policy: string,
): Response {
  const headers = {
    'content-type': file.contentType,
    'cache-control': cacheControl,
    etag: file.etag,
    'x-content-type-options': 'nosniff',
    'content-security-policy': policy,
  };
  if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, file.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(new Uint8Array(file.body), { status: 200, headers });
}

function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  // The compress middleware weakens the ETag of compressed responses; both forms mean this file.
  return ifNoneMatch
    .split(',')
    .map((candidate) => candidate.trim().replace(/^W\//, ''))
    .some((candidate) => candidate === etag || candidate === '*');
}

function isMissingFileError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
