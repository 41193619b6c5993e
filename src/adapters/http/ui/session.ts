import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiScope } from '../auth.js';

/**
 * Signed cookies for the UI, with node:crypto only. The session cookie names the API token a user signed
 * in with and its scopes, never the token itself, and is HMAC-signed with a server secret. CSRF uses a
 * signed double-submit: a random cookie value, and forms carry HMAC(secret, cookie), which a site that
 * can plant cookies but does not know the secret cannot forge.
 */

export const SESSION_COOKIE = 'driftd_session';
export const CSRF_COOKIE = 'driftd_csrf';

export interface UiSession {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** Expiry, epoch ms. */
  readonly exp: number;
}

export interface SessionCodec {
  sign(session: UiSession): string;
  /** The session, or null when the cookie is missing, tampered with, malformed or expired. */
  verify(cookie: string | undefined, now: number): UiSession | null;
  /** A fresh random value for the CSRF cookie. */
  newCsrfCookie(): string;
  /** The form token that goes with a CSRF cookie value. */
  csrfToken(cookie: string): string;
  /** Whether a submitted form token matches the CSRF cookie (constant time). */
  checkCsrf(cookie: string | undefined, token: unknown): boolean;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isSession(value: unknown): value is UiSession {
  const v = value as Partial<UiSession> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.exp === 'number' &&
    Array.isArray(v.scopes) &&
    v.scopes.every((s) => s === 'read' || s === 'write')
  );
}

export function makeSessionCodec(secret: Buffer = randomBytes(32)): SessionCodec {
  const mac = (purpose: string, data: string) =>
    createHmac('sha256', secret).update(`${purpose}\0${data}`).digest('base64url');
  return {
    sign(session) {
      const body = b64(JSON.stringify({ name: session.name, scopes: session.scopes, exp: session.exp }));
      return `${body}.${mac('session', body)}`;
    },
    verify(cookie, now) {
      if (!cookie || cookie.length > 4096) return null;
      const [body, sig, extra] = cookie.split('.');
      if (!body || !sig || extra !== undefined || !safeEqual(sig, mac('session', body))) return null;
      try {
        const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        return isSession(parsed) && parsed.exp > now ? parsed : null;
      } catch {
        return null;
      }
    },
    newCsrfCookie: () => randomBytes(24).toString('base64url'),
    csrfToken: (cookie) => mac('csrf', cookie),
    checkCsrf(cookie, token) {
      if (!cookie || typeof token !== 'string' || token.length > 200) return false;
      return safeEqual(token, mac('csrf', cookie));
    },
  };
}

/** `Cookie` header → name/value pairs (first occurrence wins, values percent-decoded when valid). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export interface CookieOptions {
  readonly maxAgeSeconds?: number;
  readonly secure: boolean;
}

/** HttpOnly, SameSite=Strict, whole-site cookies: neither script nor other sites can read or send them. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
