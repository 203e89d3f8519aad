import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { ApiError } from './api-error.ts';

/** Who is calling: a user id from a verified token, or null for an anonymous caller. */
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

export interface Authenticator {
  readonly enabled: boolean;
  /** Resolves the caller from an Authorization header; a present but bad token is always 401. */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

export function createAuthenticator(auth: Config['auth']): Authenticator {
  if (auth.mode === 'anonymous') {
    return { enabled: false, authenticate: async () => ({ userId: null }) };
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
    async authenticate(authorization) {
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
