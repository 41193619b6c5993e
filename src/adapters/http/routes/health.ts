import type { FastifyPluginAsync } from 'fastify';
import type { Queries } from '../../../app/use-cases/use-cases.js';
import { presentHealth } from '../presenters.js';

export interface HealthRoutesOptions {
  readonly queries: Queries;
}

/** `GET /api/health`: never behind auth (probes). 200 when healthy, 503 when degraded (e.g. Redis down). */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { queries }) => {
  app.get('/api/health', async (_request, reply) => {
    const report = await queries.health();
    return reply.code(report.status === 'ok' ? 200 : 503).send(presentHealth(report));
  });
};
