import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { ApiError } from './api-error.ts';

/** Who is calling: a user id from a verified token, or null for an anonymous caller. */
export interface Caller {
  userId: string | null;
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
        if (typeof payload.sub !== 'string' || payload.sub === '') {
          throw new ApiError('UNAUTHENTICATED', 'The token has no subject.');
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
