import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CancelTask, Queries, StartTask } from '../../../app/use-cases/use-cases.js';
import type { EventBus } from '../../../ports/event-bus.port.js';
import type { UiPluginOptions } from '../http-deps.js';
import { eventRoutes } from '../routes/events.js';
import { actionRoutes } from './action-routes.js';
import { fragmentRoutes } from './fragment-routes.js';
import { loginRoutes } from './login-routes.js';
import { pageRoutes } from './page-routes.js';
import { makeSessionCodec, type SessionCodec } from './session.js';
import { assetUrl, loadStaticAssets, type StaticAsset } from './static-assets.js';
import { isSameOrigin, makeSessionGate, SECURITY_HEADERS } from './ui-context.js';
import { makeUiErrorHandler, type UiKit, uiError } from './ui-kit.js';
import { createViews, type Views } from './views.js';

export interface UiDeps {
  readonly queries: Queries;
  readonly startTask: StartTask;
  readonly cancelTask: CancelTask;
  /** The event bus the live stream (`/ui/api/events`) reads, as `/api/events` does. */
  readonly events: EventBus;
  /** The Nunjucks views (default: `createViews()` over the package's templates). */
  readonly views?: Views;
  /** Epoch ms for "3 min ago" texts and session expiry (default Date.now). */
  readonly now?: () => number;
  /** Key for session and CSRF signatures (default: random per process, so restarts sign everyone out). */
  readonly secret?: Buffer;
  /** How long a UI sign-in lasts (default 12 h). */
  readonly sessionTtlMs?: number;
  /** SSE heartbeat interval (default 15 s). */
  readonly heartbeatMs?: number;
}

const DEFAULT_SESSION_TTL = 12 * 3600_000;

/** Every UI POST: the signed form token from our own origin, and the write scope where the route needs it. */
function makePostGuard(codec: SessionCodec) {
  return async (request: FastifyRequest) => {
    if (request.method !== 'POST') return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!isSameOrigin(request) || !codec.checkCsrf(request.ui?.csrfCookie, body._csrf)) {
      throw uiError(403, 'This form expired or came from another site', [
        'Reload the page and submit the form again.',
      ]);
    }
    if (request.routeOptions.config.scope === 'write' && !request.ui?.canWrite) {
      throw uiError(403, `Token "${request.ui?.session?.name ?? ''}" is read-only`, [
        'Sign in with a token that has the write scope to start or cancel scans.',
      ]);
    }
  };
}

/** `/static/<name>`: from memory; hashed URLs are immutable for a year, bare ones cached briefly. */
function serveStatic(app: FastifyInstance, assets: ReadonlyMap<string, StaticAsset>): void {
  const open = { config: { uiPublic: true } };
  app.get<{ Params: { name: string } }>('/static/:name', open, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) throw uiError(404, 'No such file', []);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    const immutable = (request.query as { v?: string }).v !== undefined;
    return reply
      .type(asset.type)
      .header('etag', asset.etag)
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
      .send(asset.body);
  });
}

/**
 * The web UI as a Fastify plugin for `buildHttpApp(deps, { ui })`: server-rendered pages (`/`,
 * `/repos/{repo}`, `/repos/{repo}/stacks/{stack...}`), form posts for scan/cancel (form bodies are parsed
 * inside this plugin only; the API stays JSON-only), UI login when API tokens are configured, HTML
 * fragments for live rows, static assets under `/static/`, and the live event stream at `/ui/api/events`.
 */
export function makeUiPlugin(deps: UiDeps): FastifyPluginAsync<UiPluginOptions> {
  return async (app, { auth }) => {
    const views = deps.views ?? createViews();
    const now = deps.now ?? Date.now;
    const codec = makeSessionCodec(deps.secret ?? randomBytes(32));
    const assets = await loadStaticAssets(join(views.templatesDir, 'static'));
    const kit: UiKit = {
      ...deps,
      views,
      now,
      auth,
      codec,
      sessionTtlMs: deps.sessionTtlMs ?? DEFAULT_SESSION_TTL,
      assets: { css: assetUrl(assets, 'app.css'), js: assetUrl(assets, 'app.js') },
    };

    await app.register(formbody, { bodyLimit: 16 * 1024 });
    app.decorateRequest('ui', null);
    app.addHook('onRequest', async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });
    app.addHook('onRequest', makeSessionGate({ auth, codec, now }));
    app.addHook('preHandler', makePostGuard(codec));
    app.setErrorHandler(makeUiErrorHandler(kit));

    serveStatic(app, assets);
    await app.register(pageRoutes, { kit });
    await app.register(actionRoutes, { kit });
    await app.register(loginRoutes, { kit });
    await app.register(fragmentRoutes, { kit });
    await app.register(eventRoutes, {
      prefix: '/ui',
      events: deps.events,
      heartbeatMs: deps.heartbeatMs ?? 15_000,
    });
  };
}
