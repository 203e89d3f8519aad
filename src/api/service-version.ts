import { readFileSync } from 'node:fs';

/**
 * The server's version as `package.json` states it, read once when the API module loads: the
 * health answer names it, and a release bumps it in one place.
 */
export const serviceVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
