import { createHash, randomBytes } from 'node:crypto';
import { parse, serialize } from 'hono/utils/cookie';

/**
 * The anonymous visitor key: in anonymous mode (no JWT_SECRET or JWKS_URL) the web app's pages
 * give every browser a random key in this cookie, and the sessions it creates belong to that key.
 * The key is a bearer secret held by the browser; the server keeps only its hash (the owner id).
 */
export const visitorCookieName = 'durable_chat_visitor';

const keyBytes = 32;
// Long enough to outlive any chat someone comes back to; the key is the only way back to them.
const visitorCookieMaxAgeSeconds = 400 * 24 * 3600;

/** The visitor key the Cookie header carries, or null when there is none or it is malformed. */
export function readVisitorKey(cookieHeader: string | undefined | null): string | null {
  if (!cookieHeader) return null;
  let value: string | undefined;
  try {
    value = parse(cookieHeader, visitorCookieName)[visitorCookieName];
  } catch {
    return null;
  }
  return value !== undefined && isVisitorKey(value) ? value : null;
}

/** Exactly 32 bytes in canonical base64url: anything else was not issued here. */
function isVisitorKey(value: string): boolean {
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) return false;
  return Buffer.from(value, 'base64url').toString('base64url') === value;
}

/** The owner id of a visitor's sessions: a hash, so a leaked database reveals no usable key. */
export function visitorUserId(key: string): string {
  return `${visitorUserIdPrefix}${createHash('sha256').update(key).digest('base64url')}`;
}

const visitorUserIdPrefix = 'visitor:';

/** Whether an owner id names a visitor (anonymous mode), not a signed-in user. */
export function isVisitorUserId(userId: string): boolean {
  return userId.startsWith(visitorUserIdPrefix);
}

export function newVisitorKey(): string {
  return randomBytes(keyBytes).toString('base64url');
}

/**
 * The Set-Cookie value that gives a browser its key. HttpOnly keeps it from scripts (a prompt-
 * injected page cannot read it). SameSite=Lax keeps it off every request another site makes
 * (fetches, form posts, frames) but not off a link followed from another site: with Strict, that
 * page load would arrive without the key, and the page would replace it — losing every chat.
 */
export function visitorCookie(key: string, secure: boolean): string {
  return serialize(visitorCookieName, key, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    maxAge: visitorCookieMaxAgeSeconds,
  });
}
