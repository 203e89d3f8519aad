import { createHash } from 'node:crypto';
import { newVisitorKey, visitorCookieName } from '../../src/api/visitor-key.ts';

/** Two browsers in anonymous mode: each key is what the web app's page would have set. */
export const visitorKeyA = newVisitorKey();
export const visitorKeyB = newVisitorKey();

/** The Cookie header a browser holding this visitor key sends. */
export function visitorCookieHeader(key: string): { cookie: string } {
  return { cookie: `${visitorCookieName}=${key}` };
}

/** A visitor key of its own for each name: a fresh browser, so counts start at zero. */
export function visitorKeyFor(name: string): string {
  return createHash('sha256').update(name).digest('base64url');
}
