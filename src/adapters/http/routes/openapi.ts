import type { FastifyPluginAsync } from 'fastify';
import type { MetricsSource } from '../http-deps.js';
import { buildOpenApiDocument } from '../openapi.js';

export interface MetaRoutesOptions {
  readonly version: string;
  readonly metrics?: MetricsSource;
}

/** `GET /api/openapi.json`, and `GET /metrics` (Prometheus text) when a metrics source is given. */
export const metaRoutes: FastifyPluginAsync<MetaRoutesOptions> = async (app, { version, metrics }) => {
  const document = buildOpenApiDocument(version, { metrics: metrics !== undefined });
  app.get('/api/openapi.json', async () => document);
  if (metrics === undefined) return;
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
};
