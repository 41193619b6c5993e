import { z } from 'zod';
import type { StackSummary } from '../../../app/read-models.js';

/**
 * The repo page's stack list state, all in the query string so it works without JavaScript and links
 * can be shared: `?status=drifted&q=prod&sort=last_run&dir=desc&page=2`. Bad values fall back to the
 * defaults instead of failing the page.
 */

export const STATUS_FILTERS = ['all', 'drifted', 'error', 'unknown', 'in_sync'] as const;
export const SORT_KEYS = ['status', 'stack', 'last_run'] as const;
export const PER_PAGE = 50;

export const stackListQuery = z.object({
  status: z.enum(STATUS_FILTERS).catch('all'),
  q: z.string().max(200).catch('').default(''),
  sort: z.enum(SORT_KEYS).catch('status'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
});

export type StackListQuery = z.output<typeof stackListQuery>;

export function parseStackListQuery(raw: unknown): StackListQuery {
  return stackListQuery.parse(typeof raw === 'object' && raw !== null ? raw : {});
}

/** Worst first: what needs attention sorts to the top. */
const STATUS_RANK: Record<string, number> = { error: 0, drifted: 1, unknown: 2, in_sync: 3 };

function compare(key: StackListQuery['sort']) {
  const byStack = (a: StackSummary, b: StackSummary) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0);
  if (key === 'stack') return byStack;
  if (key === 'last_run') {
    return (a: StackSummary, b: StackSummary) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || byStack(a, b);
  }
  return (a: StackSummary, b: StackSummary) =>
    STATUS_RANK[a.status ?? 'unknown']! - STATUS_RANK[b.status ?? 'unknown']! || byStack(a, b);
}

export interface StackPage {
  readonly items: readonly StackSummary[];
  /** Stacks matching the filter. */
  readonly matching: number;
  readonly page: number;
  readonly pages: number;
}

/** Filters, sorts and cuts one page; a page past the end shows the last page. */
export function selectStacks(stacks: readonly StackSummary[], query: StackListQuery): StackPage {
  const needle = query.q.trim().toLowerCase();
  const filtered = stacks.filter(
    (s) =>
      (query.status === 'all' || (s.status ?? 'unknown') === query.status) &&
      (needle === '' || s.stack.toLowerCase().includes(needle)),
  );
  const cmp = compare(query.sort);
  filtered.sort(query.dir === 'asc' ? cmp : (a, b) => cmp(b, a));
  const pages = Math.max(1, Math.ceil(filtered.length / PER_PAGE));
  const page = Math.min(query.page, pages);
  const items = filtered.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  return { items, matching: filtered.length, page, pages };
}

/** The query string for `query` with `changes` applied; defaults are left out to keep links short. */
export function listHref(base: string, query: StackListQuery, changes: Partial<StackListQuery>): string {
  const next = { ...query, ...changes };
  const params = new URLSearchParams();
  if (next.status !== 'all') params.set('status', next.status);
  if (next.q !== '') params.set('q', next.q);
  if (next.sort !== 'status') params.set('sort', next.sort);
  if (next.dir !== 'asc') params.set('dir', next.dir);
  if (next.page !== 1) params.set('page', String(next.page));
  const text = params.toString();
  return text === '' ? base : `${base}?${text}`;
}
