import type { RepoDetail, StackSummary } from '../../../app/read-models.js';
import { ROOT_STACK } from '../../../domain/ids.js';
import type { Task } from '../../../domain/task.js';
import { isActiveTask } from '../../../domain/task.js';
import { type Badge, kindLabels, stackBadge, taskBadge } from './badges.js';
import { type RepoRowView, repoRowView } from './dashboard-view.js';
import { formatDuration, shortCommit, type TimeView, timeView } from './format.js';
import { isToolMissing } from './hints.js';
import type { PageView } from './page-view.js';
import {
  listHref,
  SORT_KEYS,
  STATUS_FILTERS,
  type StackListQuery,
  type StackPage,
  selectStacks,
} from './stack-list.js';
import { stackRowFragmentUrl, stackScanUrl, stackUrl, taskCancelUrl } from './ui-paths.js';

export interface StackRowView {
  readonly repo: string;
  readonly stack: string;
  readonly label: string;
  readonly url: string;
  readonly scanUrl: string;
  readonly fragmentUrl: string;
  readonly badge: Badge;
  readonly kinds: readonly string[];
  readonly counts: { readonly add: number; readonly change: number; readonly destroy: number } | null;
  readonly tool: string | null;
  readonly lastRun: TimeView | null;
  readonly error: string | null;
}

export interface TaskRowView {
  readonly id: string;
  readonly badge: Badge;
  readonly trigger: string;
  readonly actor: string | null;
  readonly commit: string | null;
  readonly scope: string;
  readonly created: TimeView | null;
  readonly duration: string | null;
  readonly text: string;
  readonly reason: string | null;
  readonly cancelUrl: string | null;
}

export interface RepoView {
  readonly page: PageView;
  readonly repo: RepoRowView;
  readonly list: {
    readonly rows: readonly StackRowView[];
    readonly filters: readonly { label: string; href: string; current: boolean }[];
    /** Column header links by sort key; `aria` is the `aria-sort` value of the current column. */
    readonly sorts: Readonly<Record<StackListQuery['sort'], { href: string; aria: string | null }>>;
    readonly query: StackListQuery;
    readonly matching: number;
    readonly total: number;
    readonly page: number;
    readonly pages: number;
    readonly prev: string | null;
    readonly next: string | null;
  };
  readonly tasks: readonly TaskRowView[];
  readonly toolMissing: boolean;
}

export function stackLabel(stack: string): string {
  return stack === ROOT_STACK ? '. (repository root)' : stack;
}

export function stackRowView(s: StackSummary, now: number): StackRowView {
  return {
    repo: s.repo,
    stack: s.stack,
    label: stackLabel(s.stack),
    url: stackUrl(s.repo, s.stack),
    scanUrl: stackScanUrl(s.repo, s.stack),
    fragmentUrl: stackRowFragmentUrl(s.repo, s.stack),
    badge: stackBadge(s.status),
    kinds: kindLabels(s.kinds),
    counts: s.summary ? { add: s.summary.add, change: s.summary.change, destroy: s.summary.destroy } : null,
    tool: s.tool ? `${s.tool.name} ${s.tool.version}` : null,
    lastRun: timeView(s.finishedAt, now),
    error: s.error ?? null,
  };
}

export function taskRowView(t: Task, now: number): TaskRowView {
  const c = t.counters;
  const end = t.finishedAt ?? (isActiveTask(t) ? now : undefined);
  return {
    id: t.id,
    badge: taskBadge(t.status),
    trigger: t.trigger.kind,
    actor: t.trigger.actor ?? null,
    commit: shortCommit(t.commit),
    scope: t.stack !== undefined ? stackLabel(t.stack) : 'all stacks',
    created: timeView(t.createdAt, now),
    duration: end !== undefined ? formatDuration(end - (t.startedAt ?? t.createdAt)) : null,
    text: `${c.completed + c.failed} of ${c.total} done, ${c.drifted} drifted, ${c.failed} failed`,
    reason: t.reason ?? null,
    cancelUrl: isActiveTask(t) ? taskCancelUrl(t.id) : null,
  };
}

const FILTER_LABELS: Record<StackListQuery['status'], string> = {
  all: 'All',
  drifted: 'Drifted',
  error: 'Error',
  unknown: 'No result',
  in_sync: 'In sync',
};

function listControls(base: string, query: StackListQuery, selected: StackPage, total: number) {
  const filters = STATUS_FILTERS.map((status) => ({
    label: FILTER_LABELS[status],
    href: listHref(base, query, { status, page: 1 }),
    current: query.status === status,
  }));
  const sorts = Object.fromEntries(
    SORT_KEYS.map((sort) => {
      const current = query.sort === sort;
      const dir = current && query.dir === 'asc' ? 'desc' : 'asc';
      const aria = current ? (query.dir === 'asc' ? 'ascending' : 'descending') : null;
      return [sort, { href: listHref(base, query, { sort, dir, page: 1 }), aria }];
    }),
  ) as RepoView['list']['sorts'];
  const { page, pages } = selected;
  return {
    filters,
    sorts,
    query,
    matching: selected.matching,
    total,
    page,
    pages,
    prev: page > 1 ? listHref(base, query, { page: page - 1 }) : null,
    next: page < pages ? listHref(base, query, { page: page + 1 }) : null,
  };
}

export function repoView(detail: RepoDetail, query: StackListQuery, page: PageView, now: number): RepoView {
  const repo = repoRowView(detail.repo, now);
  const selected = selectStacks(detail.stacks, query);
  return {
    page,
    repo,
    list: {
      rows: selected.items.map((s) => stackRowView(s, now)),
      ...listControls(repo.url, query, selected, detail.stacks.length),
    },
    tasks: detail.recentTasks.map((t) => taskRowView(t, now)),
    toolMissing: detail.stacks.some((s) => isToolMissing(s.error)),
  };
}
