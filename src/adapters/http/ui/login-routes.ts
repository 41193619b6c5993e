import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, serializeCookie } from './session.js';
import { isSecure } from './ui-context.js';
import { page, sendHtml, type UiKit } from './ui-kit.js';
import { safeLocalPath, withFlash } from './ui-paths.js';

type Body = Record<string, unknown>;

/**
 * UI sign-in when API tokens are configured: the user pastes a token once, it is checked with the API's
 * verifier, and the browser gets a signed, HttpOnly, SameSite=Strict session cookie naming the token and
 * its scopes (never the token). Without configured tokens the UI is open and `/login` goes home.
 */
export const loginRoutes: FastifyPluginAsync<{ kit: UiKit }> = async (app, { kit }) => {
  const open = { config: { uiPublic: true } };

  function render(
    request: FastifyRequest,
    reply: FastifyReply,
    next: string,
    error: string | null,
    status = 200,
  ) {
    const vm = { page: page(kit, request, { title: 'Sign in', section: 'login' }), next, error };
    return sendHtml(reply, kit.views.render('login.njk', vm), status);
  }

  app.get('/login', open, async (request, reply) => {
    const next = safeLocalPath((request.query as Body).next, '/');
    if (!kit.auth.enabled || request.ui?.session) return reply.redirect(next, 303);
    return render(request, reply, next, null);
  });

  app.post('/login', open, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
    const next = safeLocalPath(body.next, '/');
    if (!kit.auth.enabled) return reply.redirect(next, 303);
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const client = token === '' || /\s/.test(token) ? null : kit.auth.verify(`Bearer ${token}`);
    if (client === null)
      return render(
        request,
        reply,
        next,
        'That token is not valid. Paste an API token from `api.tokens` in the config.',
        401,
      );
    const session = { name: client.name, scopes: [...client.scopes], exp: kit.now() + kit.sessionTtlMs };
    const maxAgeSeconds = Math.floor(kit.sessionTtlMs / 1000);
    reply.header(
      'set-cookie',
      serializeCookie(SESSION_COOKIE, kit.codec.sign(session), { maxAgeSeconds, secure: isSecure(request) }),
    );
    return reply.redirect(next, 303);
  });

  app.post('/logout', open, async (request, reply) => {
    reply.header(
      'set-cookie',
      serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: isSecure(request) }),
    );
    return reply.redirect(kit.auth.enabled ? withFlash('/login', 'signed_out') : '/', 303);
  });
};
