import type { FastifyPluginAsync } from 'fastify';
import type { Queries } from '../../../app/use-cases/use-cases.js';
import { HttpError } from '../error-mapper.js';
import { parseIdRoute } from '../paths.js';
import { presentJob } from '../presenters.js';

export interface JobRoutesOptions {
  readonly queries: Queries;
}

/** `GET /api/jobs/{jobID}`: job ids contain `:` and `/`, accepted raw or URL-encoded (wildcard route). */
export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, { queries }) => {
  app.get('/api/jobs/*', async (request) => {
    const { id } = parseIdRoute(request.url, 'jobs');
    const job = await queries.getJob(id);
    if (job === null) throw new HttpError('job_not_found', `Job "${id}" not found`);
    return presentJob(job);
  });
};
