import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { CancelTask, Queries } from '../../../app/use-cases/use-cases.js';
import { HttpError } from '../error-mapper.js';
import { parseIdRoute } from '../paths.js';
import { presentTask } from '../presenters.js';
import { type WriteLimiter, writeRoute } from './write-routes.js';

export interface TaskRoutesOptions {
  readonly queries: Queries;
  readonly cancelTask: CancelTask;
  readonly limiter: WriteLimiter;
}

const cancelBody = z
  .strictObject({ reason: z.string().trim().min(1).max(200, 'must be at most 200 characters') })
  .partial()
  .nullish();

/** `GET /api/tasks/{taskID}` and `POST /api/tasks/{taskID}/cancel`; ids raw or URL-encoded. */
export const taskRoutes: FastifyPluginAsync<TaskRoutesOptions> = async (app, opts) => {
  app.get('/api/tasks/*', async (request) => {
    const { id } = parseIdRoute(request.url, 'tasks');
    const task = await opts.queries.getTask(id);
    if (task === null) throw new HttpError('task_not_found', `Task "${id}" not found`);
    return presentTask(task);
  });

  const write = writeRoute(opts.limiter);
  app.post('/api/tasks/*', { ...write, schema: { body: cancelBody } }, async (request) => {
    const { id, action } = parseIdRoute(request.url, 'tasks', ['cancel']);
    if (action !== 'cancel') throw new HttpError('not_found', `Route POST ${request.url} not found`);
    const reason = (request.body as z.output<typeof cancelBody>)?.reason ?? 'canceled via API';
    const result = await opts.cancelTask(id, reason);
    if (result.kind === 'not_found') throw new HttpError('task_not_found', `Task "${id}" not found`);
    const task = presentTask(result.task);
    if (result.kind === 'not_active') {
      throw new HttpError('task_not_active', `Task "${id}" is already ${result.task.status}`, { task });
    }
    return { task, message: 'Task canceled' };
  });
};
