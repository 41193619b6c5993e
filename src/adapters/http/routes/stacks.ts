import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Queries, StartTask } from '../../../app/use-cases/use-cases.js';
import { HttpError } from '../error-mapper.js';
import { parseStackRoute, type StackRoute } from '../paths.js';
import { presentStackSummary } from '../presenters.js';
import { presentHistoryEntry, presentStackDetail } from '../stack-presenters.js';
import { limitQuery } from './repos.js';
import { apiStartInput, replyStarted, triggerBody, type WriteLimiter, writeRoute } from './write-routes.js';

export interface StackRoutesOptions {
  readonly queries: Queries;
  readonly startTask: StartTask;
  readonly limiter: WriteLimiter;
}

/** Which 404 a missing stack-level thing is: the repo, the stack, or only the stack's plan text. */
async function notFound(queries: Queries, route: StackRoute, what: string): Promise<HttpError> {
  if ((await queries.listStacks(route.repo)) === null) {
    return new HttpError('repo_not_found', `Repository "${route.repo}" is not configured`);
  }
  if ((await queries.getStack(route.repo, route.stack)) === null) {
    return new HttpError('stack_not_found', `Stack "${route.stack}" not found in repository "${route.repo}"`);
  }
  return new HttpError('plan_not_found', `Stack "${route.stack}" has no ${what} yet`);
}

const GET_ACTIONS = ['plan', 'history'] as const;

/**
 * Stack routes. `{stack...}` is everything between `/stacks/` and the action (`/scan`, `/plan`,
 * `/history`), parsed from the raw path (see paths.ts); the root stack is `.`.
 */
export const stackRoutes: FastifyPluginAsync<StackRoutesOptions> = async (app, opts) => {
  const { queries } = opts;
  app.get<{ Params: { repo: string } }>('/api/repos/:repo/stacks', async (request) => {
    const stacks = await queries.listStacks(request.params.repo);
    if (stacks === null)
      throw new HttpError('repo_not_found', `Repository "${request.params.repo}" is not configured`);
    return { stacks: stacks.map(presentStackSummary) };
  });

  app.get(
    '/api/repos/:repo/stacks/*',
    { schema: { querystring: limitQuery(50) } },
    async (request, reply) => {
      const route = parseStackRoute(request.url, GET_ACTIONS);
      if (route.action === 'plan') return sendPlan(reply, route);
      if (route.action === 'history') return sendHistory(request, route);
      const detail = await queries.getStack(route.repo, route.stack);
      if (detail === null) throw await notFound(queries, route, 'result');
      return presentStackDetail(detail);
    },
  );

  const scan = { ...writeRoute(opts.limiter), schema: { body: triggerBody } };
  app.post('/api/repos/:repo/stacks/*', scan, async (request, reply) => {
    const route = parseStackRoute(request.url, ['scan']);
    if (route.action !== 'scan') throw new HttpError('not_found', `Route POST ${request.url} not found`);
    return replyStarted(
      reply,
      route.repo,
      await opts.startTask(apiStartInput(request, route.repo, route.stack)),
    );
  });

  async function sendPlan(reply: FastifyReply, route: StackRoute) {
    const text = await queries.getPlanText(route.repo, route.stack);
    if (text === null) throw await notFound(queries, route, 'plan output');
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(text);
  }

  async function sendHistory(request: FastifyRequest, route: StackRoute) {
    const { limit } = request.query as { limit: number };
    const history = await queries.getHistory(route.repo, route.stack, limit);
    if (history === null) throw await notFound(queries, route, 'history');
    return { history: history.map(presentHistoryEntry) };
  }
};
