import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Queries, StartTask } from '../../../app/use-cases/use-cases.js';
import { HttpError } from '../error-mapper.js';
import { presentJob, presentRepo, presentRepoDetail } from '../presenters.js';
import { apiStartInput, replyStarted, triggerBody, type WriteLimiter, writeRoute } from './write-routes.js';

export interface RepoRoutesOptions {
  readonly queries: Queries;
  readonly startTask: StartTask;
  readonly limiter: WriteLimiter;
}

export const limitQuery = (fallback: number) =>
  z.object({ limit: z.coerce.number().int().min(1).max(500).default(fallback) });

type RepoParams = { repo: string };

function repoNotFound(repo: string): HttpError {
  return new HttpError('repo_not_found', `Repository "${repo}" is not configured`);
}

/** Repo-level routes: the list, one repo, its recent jobs, and the full-scan trigger. */
export const repoRoutes: FastifyPluginAsync<RepoRoutesOptions> = async (app, opts) => {
  app.get('/api/repos', async () => ({ repos: (await opts.queries.listRepos()).map(presentRepo) }));

  app.get<{ Params: RepoParams }>('/api/repos/:repo', async (request) => {
    const detail = await opts.queries.getRepo(request.params.repo);
    if (detail === null) throw repoNotFound(request.params.repo);
    return presentRepoDetail(detail);
  });

  const jobsSchema = { querystring: limitQuery(50) };
  app.get<{ Params: RepoParams }>('/api/repos/:repo/jobs', { schema: jobsSchema }, async (request) => {
    const { limit } = request.query as { limit: number };
    const jobs = await opts.queries.listRepoJobs(request.params.repo, limit);
    if (jobs === null) throw repoNotFound(request.params.repo);
    return { jobs: jobs.map(presentJob) };
  });

  const scan = { ...writeRoute(opts.limiter), schema: { body: triggerBody } };
  app.post<{ Params: RepoParams }>('/api/repos/:repo/scan', scan, async (request, reply) => {
    const { repo } = request.params;
    return replyStarted(reply, repo, await opts.startTask(apiStartInput(request, repo)));
  });
};
