import type { FastifyPluginAsync } from 'fastify';
import type { Queries } from '../../../app/use-cases/use-cases.js';
import { parseStackRoute } from '../paths.js';
import { dashboardView } from './dashboard-view.js';
import { repoView } from './repo-view.js';
import { parseStackListQuery } from './stack-list.js';
import { stackView } from './stack-view.js';
import { page, sendHtml, type UiError, type UiKit, uiError } from './ui-kit.js';
import { repoUrl } from './ui-paths.js';

export function repoNotFound(repo: string): UiError {
  return uiError(404, `Repository "${repo}" is not configured`, [
    'Add it under `repos:` in the driftd config and run `driftd validate`, then restart `driftd serve`.',
    'Or pick one of the configured repositories on the dashboard.',
  ]);
}

/** 404 for a stack page: the repo is unknown, or the stack is neither configured, discovered nor stored. */
export async function stackNotFound(queries: Queries, repo: string, stack: string): Promise<UiError> {
  if ((await queries.listStacks(repo)) === null) return repoNotFound(repo);
  return uiError(404, `Stack "${stack}" not found in repository "${repo}"`, [
    `Check the stack path on the repository page (${repoUrl(repo)}).`,
    'Stacks come from `stacks:` in the config or are discovered on the next scan; press "Scan now" after adding one.',
  ]);
}

/** The three pages of the spec. Handlers: one query, one view-model, one render. */
export const pageRoutes: FastifyPluginAsync<{ kit: UiKit }> = async (app, { kit }) => {
  const { queries, views, now } = kit;

  app.get('/', async (request, reply) => {
    const overview = await queries.overview();
    const vm = dashboardView(
      overview,
      page(kit, request, { title: 'Dashboard', section: 'dashboard', live: true }),
      now(),
    );
    return sendHtml(reply, views.render('dashboard.njk', vm));
  });

  app.get<{ Params: { repo: string } }>('/repos/:repo', async (request, reply) => {
    const detail = await queries.getRepo(request.params.repo);
    if (detail === null) throw repoNotFound(request.params.repo);
    const query = parseStackListQuery(request.query);
    const pv = page(kit, request, { title: detail.repo.name, section: 'repo', live: true });
    return sendHtml(reply, views.render('repo.njk', repoView(detail, query, pv, now())));
  });

  app.get<{ Params: { repo: string } }>('/repos/:repo/stacks', async (request, reply) =>
    reply.redirect(repoUrl(request.params.repo), 303),
  );

  app.get('/repos/:repo/stacks/*', async (request, reply) => {
    const route = parseStackRoute(request.url, []);
    const [detail, planText] = await Promise.all([
      queries.getStack(route.repo, route.stack),
      queries.getPlanText(route.repo, route.stack),
    ]);
    if (detail === null) throw await stackNotFound(queries, route.repo, route.stack);
    const pv = page(kit, request, { title: `${route.stack} · ${route.repo}`, section: 'stack', live: true });
    return sendHtml(reply, views.render('stack.njk', stackView(detail, planText, pv, now())));
  });
};
