import type { FastifyPluginAsync } from 'fastify';
import { parseStackRoute } from '../paths.js';
import { dashboardView, repoRowView } from './dashboard-view.js';
import { repoNotFound, stackNotFound } from './page-routes.js';
import { stackRowView, taskRowView } from './repo-view.js';
import { page, sendHtml, type UiKit, uiError } from './ui-kit.js';

/**
 * HTML fragments the page script swaps in when an event says something changed: the dashboard overview, a repo row,
 * the repo page's summary and task list, one stack row. Rendered by the same partials as the pages.
 */
export const fragmentRoutes: FastifyPluginAsync<{ kit: UiKit }> = async (app, { kit }) => {
  const { queries, views, now } = kit;
  const fragmentPage = (request: Parameters<typeof page>[1]) =>
    page(kit, request, { title: '', section: 'repo' });

  app.get('/ui/fragments/overview', async (request, reply) => {
    const vm = dashboardView(await queries.overview(), fragmentPage(request), now());
    return sendHtml(reply, views.render('fragments/overview.njk', vm));
  });

  app.get<{ Params: { repo: string } }>('/ui/fragments/repos/:repo', async (request, reply) => {
    const detail = await queries.getRepo(request.params.repo);
    if (detail === null) throw repoNotFound(request.params.repo);
    const vm = { page: fragmentPage(request), repo: repoRowView(detail.repo, now()) };
    return sendHtml(reply, views.render('fragments/repo-row.njk', vm));
  });

  app.get<{ Params: { repo: string; part: string } }>(
    '/ui/fragments/repos/:repo/:part',
    async (request, reply) => {
      const { repo, part } = request.params;
      if (part !== 'tasks' && part !== 'summary') throw uiError(404, 'No such fragment', []);
      const detail = await queries.getRepo(repo);
      if (detail === null) throw repoNotFound(repo);
      const vm = {
        page: fragmentPage(request),
        repo: repoRowView(detail.repo, now()),
        tasks: detail.recentTasks.map((t) => taskRowView(t, now())),
      };
      const template = part === 'tasks' ? 'fragments/task-list.njk' : 'fragments/repo-summary.njk';
      return sendHtml(reply, views.render(template, vm));
    },
  );

  app.get('/ui/fragments/repos/:repo/stacks/*', async (request, reply) => {
    const route = parseStackRoute(request.url, []);
    const detail = await queries.getStack(route.repo, route.stack);
    if (detail === null) throw await stackNotFound(queries, route.repo, route.stack);
    const vm = { page: fragmentPage(request), row: stackRowView(detail.summary, now()) };
    return sendHtml(reply, views.render('fragments/stack-row.njk', vm));
  });
};
