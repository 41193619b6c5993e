import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from '../../ports/logger.port.js';
import { makeAuthHook, makeTokenVerifier, type TokenVerifier } from './auth.js';
import { HttpError, toErrorReply } from './error-mapper.js';
import type { HttpAppOptions, HttpDeps } from './http-deps.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { metaRoutes } from './routes/openapi.js';
import { repoRoutes } from './routes/repos.js';
import { stackRoutes } from './routes/stacks.js';
import { taskRoutes } from './routes/tasks.js';
import type { WriteLimiter } from './routes/write-routes.js';
import { useJsonBodyOnly, useZodValidation } from './validation.js';

/** pino `redact` paths for whoever creates the process logger: credentials never reach the logs. */
export const HTTP_LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
];

const DEFAULT_BODY_LIMIT = 64 * 1024;
const DEFAULT_HEARTBEAT_MS = 15_000;

/** A full pino logger can be Fastify's own; the narrower Logger port is used for error reports only. */
function isFastifyLogger(logger: Logger): logger is Logger & FastifyBaseLogger {
  const l = logger as Partial<FastifyBaseLogger>;
  return typeof l.fatal === 'function' && typeof l.trace === 'function' && typeof l.level === 'string';
}

function handleError(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = toErrorReply(error);
    const context = { reqId: request.id, method: request.method, route: request.routeOptions.url };
    if (status >= 500)
      logger.error({ ...context, err: { message: error.message, stack: error.stack } }, 'request failed');
    else logger.debug({ ...context, code: body.code, status }, 'request refused');
    return reply.code(status).headers(headers).send(body);
  };
}

/** Errors Fastify raises before routing (a URL that cannot be decoded): same mapping as route errors. */
function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const { status, body, headers } = toErrorReply(error);
  return reply.code(status).headers(headers).send(body);
}

function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0]!.slice(0, 200);
  const { status, body } = toErrorReply(
    new HttpError('not_found', `Route ${request.method} ${path} not found`),
  );
  return reply.code(status).send(body);
}

/** Every route but health: authenticated (when tokens are configured), write routes rate limited. */
function apiScope(deps: HttpDeps, verifier: TokenVerifier, heartbeatMs: number) {
  return async (api: FastifyInstance) => {
    api.addHook('onRequest', makeAuthHook(verifier));
    await api.register(rateLimit, {
      global: false,
      keyGenerator: (req) => (req.apiClient ? `token:${req.apiClient.name}` : `ip:${req.ip}`),
      errorResponseBuilder: (_req, ctx) =>
        new HttpError(
          'rate_limited',
          `Rate limit exceeded: at most ${ctx.max} requests; retry in ${ctx.after}`,
        ),
    });
    const { queries, startTask, cancelTask } = deps;
    // One limiter instance shared by every write route: a client's budget covers all of them.
    const { max, windowMs } = deps.apiConfig.rateLimit;
    const limiter = api.rateLimit({ max, timeWindow: windowMs }) as WriteLimiter;
    await api.register(metaRoutes, { version: deps.version, ...(deps.metrics && { metrics: deps.metrics }) });
    await api.register(taskRoutes, { queries, cancelTask, limiter });
    await api.register(jobRoutes, { queries });
    await api.register(repoRoutes, { queries, startTask, limiter });
    await api.register(stackRoutes, { queries, startTask, limiter });
    await api.register(eventRoutes, { events: deps.events, heartbeatMs });
  };
}

/**
 * The configured Fastify app: the spec's API routes (one encapsulated plugin per group), JSON-only
 * bodies capped at `bodyLimit`, zod validation, `{ error, code }` errors from one mapper, optional
 * bearer-token auth and the UI plugin when given. It does not listen: `serve` listens, tests `inject`.
 */
export function buildHttpApp(deps: HttpDeps, options: HttpAppOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(isFastifyLogger(deps.logger) ? { loggerInstance: deps.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: 8192 },
    frameworkErrors: handleFrameworkError,
  }) as unknown as FastifyInstance;
  app.decorateRequest('apiClient', null);
  useJsonBodyOnly(app);
  useZodValidation(app);
  app.setErrorHandler(handleError(deps.logger));
  app.setNotFoundHandler(handleNotFound);

  const verifier = makeTokenVerifier(deps.apiConfig.tokens);
  app.register(healthRoutes, { queries: deps.queries });
  app.register(apiScope(deps, verifier, options.sseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS));
  if (options.ui) app.register(options.ui, { auth: verifier });
  return app;
}
