import { ConfigError } from '../config.ts';

/** A process that cannot start says why in one clear message and exits non-zero. */
export function reportStartFailure(error: unknown): never {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`durable-chat failed to start: ${detail}\n`);
  }
  process.exit(1);
}
