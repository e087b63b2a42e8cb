// productpage's login session: the user name travels in a `session` cookie. It is not signed — this is
// a demo app whose "login" accepts any name; what matters is that the same browser (or curl with a
// cookie jar) keeps being that user, so productpage can send `end-user` on every call.

const COOKIE = 'session';

/** The `Set-Cookie` value that logs `user` in. */
export function loginCookie(user: string): string {
  const value = Buffer.from(JSON.stringify({ user }), 'utf8').toString('base64url');
  return `${COOKIE}=${value}; Path=/; HttpOnly`;
}

/** The `Set-Cookie` value that ends the session. */
export function logoutCookie(): string {
  return `${COOKIE}=; Path=/; Max-Age=0; HttpOnly`;
}

/** The logged-in user named by a Cookie header, if any. */
export function sessionUser(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== COOKIE) continue;
    try {
      const decoded: unknown = JSON.parse(
        Buffer.from(part.slice(eq + 1).trim(), 'base64url').toString('utf8'),
      );
      if (typeof decoded === 'object' && decoded !== null) {
        const user = (decoded as Record<string, unknown>)['user'];
        if (typeof user === 'string' && user !== '') return user;
      }
    } catch {
      // A cookie we did not write: treat as logged out.
    }
  }
  return undefined;
}
