import type { Overview, RepoSummary, StatusCounts } from '../../../app/read-models.js';
import { isActiveTask } from '../../../domain/task.js';
import { type Badge, type ProgressView, progressView, taskBadge } from './badges.js';
import { buildDriftChart, type DriftChart } from './drift-chart.js';
import { type TimeView, timeView } from './format.js';
import type { PageView } from './page-view.js';
import { repoRowFragmentUrl, repoScanUrl, repoUrl, taskCancelUrl } from './ui-paths.js';

/** One repo as the dashboard (and the repo page header) shows it. */
export interface RepoRowView {
  readonly name: string;
  readonly url: string;
  readonly gitUrl: string;
  readonly branch: string | null;
  readonly scanUrl: string;
  readonly fragmentUrl: string;
  readonly stacks: number;
  readonly counts: StatusCounts;
  readonly lastScan: {
    readonly time: TimeView | null;
    readonly trigger: string | null;
    readonly badge: Badge | null;
  };
  readonly schedule: string | null;
  readonly progress: ProgressView | null;
  readonly cancelUrl: string | null;
  /** The repo-level problem (clone failed), already redacted by the read side. */
  readonly error: { readonly message: string; readonly time: TimeView | null } | null;
  readonly noResults: boolean;
}

export interface DashboardView {
  readonly page: PageView;
  readonly headline: { readonly drifted: number; readonly text: string };
  readonly totals: StatusCounts & { readonly stacks: number; readonly repos: number };
  readonly chart: DriftChart | null;
  readonly repos: readonly RepoRowView[];
  readonly noRepos: boolean;
  readonly noResults: boolean;
}

export function repoRowView(repo: RepoSummary, now: number): RepoRowView {
  const active = repo.activeTask !== null && isActiveTask(repo.activeTask) ? repo.activeTask : null;
  const last = repo.lastTask;
  return {
    name: repo.name,
    url: repoUrl(repo.name),
    gitUrl: repo.url,
    branch: repo.branch ?? null,
    scanUrl: repoScanUrl(repo.name),
    fragmentUrl: repoRowFragmentUrl(repo.name),
    stacks: repo.stacks,
    counts: repo.counts,
    lastScan: {
      time: timeView(last?.finishedAt ?? repo.lastRunAt, now),
      trigger: last ? last.trigger.kind : null,
      badge: last ? taskBadge(last.status) : null,
    },
    schedule: repo.schedule ?? null,
    progress: active ? progressView(active.id, repo.name, active.counters, true) : null,
    cancelUrl: active ? taskCancelUrl(active.id) : null,
    error: repo.error ? { message: repo.error.message, time: timeView(repo.error.at, now) } : null,
    noResults: repo.lastRunAt === null,
  };
}

function headlineText(drifted: number, stacks: number, repos: number): string {
  const where = `${stacks} ${stacks === 1 ? 'stack' : 'stacks'} in ${repos} ${repos === 1 ? 'repository' : 'repositories'}`;
  if (drifted === 0) return `No drift: ${where}`;
  return `${drifted} ${drifted === 1 ? 'stack' : 'stacks'} drifted of ${where}`;
}

export function dashboardView(overview: Overview, page: PageView, now: number): DashboardView {
  const repos = overview.repos.map((r) => repoRowView(r, now));
  const t = overview.totals;
  const stacks = t.in_sync + t.drifted + t.error + t.unknown;
  return {
    page,
    headline: { drifted: t.drifted, text: headlineText(t.drifted, stacks, repos.length) },
    totals: { ...t, stacks, repos: repos.length },
    chart: buildDriftChart(overview.driftHistory),
    repos,
    noRepos: repos.length === 0,
    noResults: repos.length > 0 && repos.every((r) => r.noResults),
  };
}
