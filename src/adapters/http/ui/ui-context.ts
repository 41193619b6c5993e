import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenVerifier } from '../auth.js';
import type { PageView } from './page-view.js';
import { flashOf } from './page-view.js';
import {
  CSRF_COOKIE,
  parseCookies,
  SESSION_COOKIE,
  type SessionCodec,
  serializeCookie,
  type UiSession,
} from './session.js';

/** Per-request UI state: who is signed in and the CSRF cookie value (set on the reply when new). */
export interface UiRequestState {
  readonly session: UiSession | null;
  readonly csrfCookie: string;
  readonly canWrite: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the UI plugin's onRequest hook on UI routes; null elsewhere. */
    ui: UiRequestState | null;
  }
  interface FastifyContextConfig {
    /** A UI route anyone may open without signing in (login page, static files). */
    uiPublic?: boolean;
  }
}

export interface GateDeps {
  readonly auth: TokenVerifier;
  readonly codec: SessionCodec;
  readonly now: () => number;
}

export function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * A link from another site (chat, a pull request) arrives without our SameSite=Strict cookies, so a
 * signed-in user would be sent to /login. A same-origin refresh brings the cookies along.
 */
function isCrossSiteArrival(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' && request.headers['sec-fetch-site'] === 'cross-site' && !request.headers.cookie
  );
}

function bounce(reply: FastifyReply) {
  const html =
    '<!doctype html><meta http-equiv="refresh" content="0"><title>driftd</title><p>Opening driftd…</p>';
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/** Reads the cookies; when UI login is on, sends anonymous visitors of private pages to `/login`. */
export function makeSessionGate({ auth, codec, now }: GateDeps) {
  return async function gate(request: FastifyRequest, reply: FastifyReply) {
    // Static files are public and cacheable: no cookies on them.
    if (request.url.startsWith('/static/')) return;
    if (auth.enabled && isCrossSiteArrival(request)) return bounce(reply);
    const cookies = parseCookies(request.headers.cookie);
    let csrfCookie = cookies[CSRF_COOKIE];
    if (!csrfCookie || csrfCookie.length > 100) {
      csrfCookie = codec.newCsrfCookie();
      reply.header('set-cookie', serializeCookie(CSRF_COOKIE, csrfCookie, { secure: isSecure(request) }));
    }
    const session = auth.enabled ? codec.verify(cookies[SESSION_COOKIE], now()) : null;
    const canWrite = !auth.enabled || (session?.scopes.includes('write') ?? false);
    request.ui = { session, csrfCookie, canWrite };
    if (!auth.enabled || session !== null || request.routeOptions.config.uiPublic) return;
    if (request.method === 'GET' && !request.url.startsWith('/ui/')) {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    return reply.code(401).type('text/plain; charset=utf-8').send('Sign in at /login first.');
  };
}

/**
 * Whether a POST comes from our own pages: `Sec-Fetch-Site` (sent by every current browser) must be
 * same-origin, and `Origin`, when present, must name this host. Clients that send neither (curl, old
 * browsers) still need the signed form token.
 */
export function isSameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    // Both through URL, so default ports compare equal (`localhost:80` is `localhost` over http).
    return new URL(origin).host === new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    return false;
  }
}

export interface PageOptions {
  readonly title: string;
  readonly section: PageView['section'];
  readonly live?: boolean;
}

export interface PageDeps {
  readonly auth: TokenVerifier;
  readonly codec: SessionCodec;
  readonly assets: { readonly css: string; readonly js: string };
}

/** The layout's view-model for this request. */
export function pageView(deps: PageDeps, request: FastifyRequest, options: PageOptions): PageView {
  const ui = request.ui;
  const query = request.query as Record<string, unknown> | undefined;
  return {
    title: options.title,
    section: options.section,
    csrf: ui ? deps.codec.csrfToken(ui.csrfCookie) : '',
    user: ui?.session?.name ?? null,
    authEnabled: deps.auth.enabled,
    canWrite: ui?.canWrite ?? false,
    flash: flashOf(query?.flash),
    assets: deps.assets,
    eventsUrl: options.live ? '/ui/api/events' : null,
  };
}

/** Headers for every UI response: a strict CSP (no inline script or style), no framing, no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};
