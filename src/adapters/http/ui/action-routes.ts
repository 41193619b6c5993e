import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CancelTaskResult, StartTaskResult } from '../../../app/use-cases/use-cases.js';
import { parseTaskId } from '../../../domain/ids.js';
import { parseIdRoute, parseStackRoute } from '../paths.js';
import { FLASH_MESSAGES } from './page-view.js';
import { type UiKit, uiError, wantsJson } from './ui-kit.js';
import { repoUrl, safeLocalPath, withFlash } from './ui-paths.js';

type Body = Record<string, unknown>;

const START_OUTCOMES: Record<StartTaskResult['kind'], { flash: string; status: number }> = {
  started: { flash: 'scan_started', status: 202 },
  conflict: { flash: 'scan_conflict', status: 409 },
  repo_not_found: { flash: 'repo_not_found', status: 404 },
  stack_not_found: { flash: 'stack_not_found', status: 404 },
  invalid_stack: { flash: 'invalid_stack', status: 400 },
  repo_unavailable: { flash: 'repo_unavailable', status: 502 },
};

const CANCEL_OUTCOMES: Record<CancelTaskResult['kind'], { flash: string; status: number }> = {
  canceled: { flash: 'task_canceled', status: 200 },
  not_active: { flash: 'task_not_active', status: 409 },
  not_found: { flash: 'task_not_found', status: 404 },
};

/**
 * Form posts answer 303 back to the page (`back` field, same-site paths only) with a flash code; the page
 * script posts with `Accept: application/json` and gets the outcome as JSON instead, so no reload happens.
 */
function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  fallback: string,
  outcome: { flash: string; status: number },
  taskId: string | null,
) {
  if (wantsJson(request)) {
    const flash = FLASH_MESSAGES[outcome.flash]!;
    return reply.code(outcome.status).send({ flash: outcome.flash, ...flash, task_id: taskId });
  }
  const back = safeLocalPath((request.body as Body | undefined)?.back, fallback);
  return reply.redirect(withFlash(back, outcome.flash), 303);
}

function trigger(request: FastifyRequest) {
  const actor = request.ui?.session?.name;
  return { kind: 'ui', ...(actor !== undefined && { actor }) };
}

function startedTaskId(result: StartTaskResult): string | null {
  if (result.kind === 'started') return result.task.id;
  return result.kind === 'conflict' ? result.active.id : null;
}

/** `POST /repos/{repo}/scan`, `POST /repos/{repo}/stacks/{stack...}/scan`, `POST /tasks/{id}/cancel`. */
export const actionRoutes: FastifyPluginAsync<{ kit: UiKit }> = async (app, { kit }) => {
  const write = { config: { scope: 'write' as const } };

  app.post<{ Params: { repo: string } }>('/repos/:repo/scan', write, async (request, reply) => {
    const { repo } = request.params;
    const result = await kit.startTask({ repo, trigger: trigger(request), allowSupersede: true });
    return answer(request, reply, repoUrl(repo), START_OUTCOMES[result.kind], startedTaskId(result));
  });

  app.post('/repos/:repo/stacks/*', write, async (request, reply) => {
    const route = parseStackRoute(request.url, ['scan']);
    if (route.action !== 'scan')
      throw uiError(404, 'Nothing to post here', ['Use the Scan button on the stack page.']);
    const input = { repo: route.repo, stack: route.stack, trigger: trigger(request), allowSupersede: true };
    const result = await kit.startTask(input);
    const outcome =
      result.kind === 'started' ? { flash: 'stack_scan_started', status: 202 } : START_OUTCOMES[result.kind];
    return answer(request, reply, repoUrl(route.repo), outcome, startedTaskId(result));
  });

  app.post('/tasks/*', write, async (request, reply) => {
    const { id, action } = parseIdRoute(request.url, 'tasks', ['cancel']);
    if (action !== 'cancel')
      throw uiError(404, 'Nothing to post here', ['Use the Cancel button of a running scan.']);
    const result = await kit.cancelTask(
      id,
      `canceled in the UI${request.ui?.session ? ` by ${request.ui.session.name}` : ''}`,
    );
    const repo = parseTaskId(id)?.repo;
    return answer(request, reply, repo ? repoUrl(repo) : '/', CANCEL_OUTCOMES[result.kind], id);
  });
};
