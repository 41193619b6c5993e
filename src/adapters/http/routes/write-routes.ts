import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StartTaskInput, StartTaskResult } from '../../../app/use-cases/use-cases.js';
import type { Trigger } from '../../../domain/trigger.js';
import { HttpError } from '../error-mapper.js';
import { presentConflict, presentStarted } from '../presenters.js';

/** Shared by the write routes (scan triggers, cancel): scope, rate limit, trigger body, result mapping. */

/** The shared per-client rate limiter of all write routes (one bucket per client across them). */
export type WriteLimiter = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Options of a write route: needs the `write` scope (checked by the auth hook), then the rate limit. */
export function writeRoute(limiter: WriteLimiter): { config: FastifyContextConfig; onRequest: WriteLimiter } {
  return { config: { scope: 'write' }, onRequest: limiter };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** Optional JSON body of the scan triggers (post-apply webhooks): unknown keys are rejected. */
export const triggerBody = z
  .strictObject({
    trigger: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]{0,39}$/i,
        'must be a short slug such as "post-apply" (at most 40 of a-z 0-9 . _ -)',
      ),
    commit: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/, 'must be a commit sha or ref name'),
    actor: z.string().trim().min(1).max(200).regex(NO_CONTROL, 'must not contain control characters'),
  })
  .partial()
  .nullish();

export type TriggerBody = z.output<typeof triggerBody>;

/** The trigger recorded on the task: kind defaults to `api`, actor to the token's name (never its value). */
export function triggerOf(request: FastifyRequest): Trigger {
  const body = request.body as TriggerBody;
  const actor = body?.actor ?? request.apiClient?.name;
  return {
    kind: body?.trigger ?? 'api',
    ...(body?.commit !== undefined && { commit: body.commit }),
    ...(actor !== undefined && { actor }),
  };
}

/** The StartTask input of an API trigger: API triggers may supersede (`cancel_inflight_on_new_trigger`). */
export function apiStartInput(request: FastifyRequest, repo: string, stack?: string): StartTaskInput {
  return { repo, trigger: triggerOf(request), allowSupersede: true, ...(stack !== undefined && { stack }) };
}

/** 202 with `{ jobs, task, message }` when started; errors (409 with `active_task`, 404, ...) otherwise. */
export function replyStarted(reply: FastifyReply, repo: string, result: StartTaskResult): FastifyReply {
  switch (result.kind) {
    case 'started':
      return reply.code(202).send(presentStarted(result.task, result.jobs, result.superseded));
    case 'conflict':
      throw new HttpError('conflict', 'Repository scan already in progress', presentConflict(result.active));
    case 'repo_not_found':
      throw new HttpError('repo_not_found', `Repository "${repo}" is not configured`);
    case 'stack_not_found':
      throw new HttpError('stack_not_found', `Stack "${result.stack}" not found in repository "${repo}"`);
    case 'invalid_stack':
      throw new HttpError('invalid_path', result.message);
    case 'repo_unavailable':
      throw new HttpError('repo_unavailable', result.message);
  }
}
