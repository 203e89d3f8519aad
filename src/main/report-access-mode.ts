import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

/** Says at start-up who can reach whose chats, loudly when that is weaker than signed-in users. */
export function reportAccessMode(config: Config, logger: Logger): void {
  if (config.auth.mode === 'anonymous') {
    logger.warn(
      'no JWT_SECRET or JWKS_URL: anonymous mode. Each browser gets a visitor cookie and sees only ' +
        'its own chats; a session created without one (curl, scripts) is never listed, but anyone ' +
        'who has its id can read, continue and delete it',
    );
    return;
  }
  if (config.auth.allowAnonymous) {
    logger.warn(
      'ALLOW_ANONYMOUS is on: callers without a token may create sessions and run turns; whoever ' +
        'has such a session id can use it until a signed-in user claims it (assign-user)',
    );
  }
}
