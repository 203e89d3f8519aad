import { SignJWT } from 'jose';

/** The HS256 secret the auth-on test servers are started with (`JWT_SECRET`). */
export const testJwtSecret = 'durable-chat-test-secret-with-enough-entropy-0123456789';

export const userA = 'user-a';
export const userB = 'user-b';

const encode = (secret: string) => new TextEncoder().encode(secret);

/** A valid HS256 bearer token for `userId`, signed with `secret`, valid for ten minutes. */
export async function tokenFor(userId: string, secret: string = testJwtSecret): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(encode(secret));
}

/** Correctly signed, but it expired an hour ago. */
export async function expiredTokenFor(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(encode(testJwtSecret));
}

/** Well formed and unexpired, but signed with a secret the server does not know. */
export function tokenWithWrongSecret(userId: string): Promise<string> {
  return tokenFor(userId, 'a-completely-different-secret-that-the-server-never-saw');
}

/** Correctly signed and unexpired, but without a `sub` claim: nobody to act for. */
export async function tokenWithoutSubject(): Promise<string> {
  return new SignJWT({ name: 'nobody' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(encode(testJwtSecret));
}

/** The `Authorization` header for a bearer token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
