import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { ApiError } from './api-error.ts';
import { visitorUserId } from './visitor-key.ts';

/**
 * Who is calling: a user id from a verified token, a visitor id (`visitor:<hash>`) from the
 * visitor cookie in anonymous mode, or null for a caller with no identity.
 */
export interface Caller {
  userId: string | null;
}

/** Longest accepted `sub` claim: identity providers' ids are far shorter (UUIDs, 36). */
export const maxSubjectLength = 255;

/**
 * Why a verified token's subject cannot name a user, or null when it can. The subject becomes
 * the owner column of every session: a NUL (which PostgreSQL refuses in text) or any other control
 * character, or a subject of kilobytes, is a broken or hostile token, not a user.
 */
export function subjectProblem(subject: unknown): string | null {
  if (typeof subject !== 'string' || subject === '') return 'The token has no subject.';
  if (subject.length > maxSubjectLength) {
    return `The token's subject is longer than ${maxSubjectLength} characters.`;
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(subject)) {
    return "The token's subject contains control characters.";
  }
  return null;
}

/** What a request says about its caller. */
export interface Credentials {
  /** The Authorization header. */
  authorization: string | undefined;
  /** A well-formed visitor key from the cookie (see visitor-key.ts), or null. */
  visitorKey: string | null;
}

export interface Authenticator {
  /** Bearer tokens are checked (JWT_SECRET or JWKS_URL is set). */
  readonly enabled: boolean;
  /**
   * A caller without a token may create and use sessions that nobody owns: always in anonymous
   * mode, with auth on only when ALLOW_ANONYMOUS is set.
   */
  readonly allowsAnonymous: boolean;
  /** Resolves the caller; a present but bad token is always 401 (with auth on). */
  authenticate(credentials: Credentials): Promise<Caller>;
}

export function createAuthenticator(auth: Config['auth']): Authenticator {
  if (auth.mode === 'anonymous') {
    // Tokens mean nothing here: the only identity is the visitor key the web app hands out.
    return {
      enabled: false,
      allowsAnonymous: true,
      authenticate: async ({ visitorKey }) => ({
        userId: visitorKey === null ? null : visitorUserId(visitorKey),
      }),
    };
  }
  const key: Uint8Array | JWTVerifyGetKey =
    auth.mode === 'secret'
      ? new TextEncoder().encode(auth.secret)
      : createRemoteJWKSet(new URL(auth.jwksUrl));
  const verifyOptions = {
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
    ...(auth.mode === 'secret' ? { algorithms: ['HS256'] } : {}),
  };
  return {
    enabled: true,
    allowsAnonymous: auth.allowAnonymous,
    async authenticate({ authorization }) {
      if (authorization === undefined || authorization.trim() === '') return { userId: null };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match?.[1])
        throw new ApiError('UNAUTHENTICATED', 'Use "Authorization: Bearer <token>".');
      try {
        const { payload } =
          typeof key === 'function'
            ? await jwtVerify(match[1], key, verifyOptions)
            : await jwtVerify(match[1], key, verifyOptions);
        const problem = subjectProblem(payload.sub);
        if (problem !== null || typeof payload.sub !== 'string') {
          throw new ApiError('UNAUTHENTICATED', problem ?? undefined);
        }
        return { userId: payload.sub };
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (error instanceof errors.JWTExpired) {
          throw new ApiError('UNAUTHENTICATED', 'The token has expired.');
        }
        throw new ApiError('UNAUTHENTICATED', 'The token is not valid.');
      }
    },
  };
}
