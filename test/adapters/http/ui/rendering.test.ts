import { describe, expect, it } from 'vitest';
import { parseStackRoute } from '../../../../src/adapters/http/paths.js';
import { buildDriftChart } from '../../../../src/adapters/http/ui/drift-chart.js';
import { formatDuration, relativeTime } from '../../../../src/adapters/http/ui/format.js';
import { renderPlanText } from '../../../../src/adapters/http/ui/plan-text.js';
import { makeSessionCodec, parseCookies } from '../../../../src/adapters/http/ui/session.js';
import { deriveTransitions } from '../../../../src/adapters/http/ui/stack-history.js';
import {
  listHref,
  PER_PAGE,
  parseStackListQuery,
  selectStacks,
} from '../../../../src/adapters/http/ui/stack-list.js';
import {
  safeLocalPath,
  stackScanUrl,
  stackUrl,
  withFlash,
} from '../../../../src/adapters/http/ui/ui-paths.js';
import type { StackSummary } from '../../../../src/app/read-models.js';
import { EMPTY_SUMMARY } from '../../../../src/domain/drift-result.js';
import type { JobId, RepoName, StackPath, TaskId } from '../../../../src/domain/ids.js';
import type { HistoryEntry } from '../../../../src/domain/stack-run.js';

describe('plan text renderer', () => {
  it('wraps each diff marker in a span and keeps the marker in the text', () => {
    const plan = [
      '  + resource "a" "b" {',
      '  - resource "a" "c" {',
      '  ~ resource "a" "d" {',
      '-/+ resource "a" "e" {',
      '+/- resource "a" "f" {',
      ' <= data "a" "g" {',
      '      + tags = {}',
      'Plan: 1 to add, 1 to change, 1 to destroy.',
      'plain line - with + signs ~ inside',
      '',
    ].join('\n');
    const { html, lines } = renderPlanText(plan);
    expect(lines).toBe(9);
    expect(html.split('\n')).toEqual([
      '<span class="pl-add">  <span class="pm">+</span> resource &quot;a&quot; &quot;b&quot; {</span>',
      '<span class="pl-del">  <span class="pm">-</span> resource &quot;a&quot; &quot;c&quot; {</span>',
      '<span class="pl-chg">  <span class="pm">~</span> resource &quot;a&quot; &quot;d&quot; {</span>',
      '<span class="pl-rep"><span class="pm">-/+</span> resource &quot;a&quot; &quot;e&quot; {</span>',
      '<span class="pl-rep"><span class="pm">+/-</span> resource &quot;a&quot; &quot;f&quot; {</span>',
      '<span class="pl-read"> <span class="pm">&lt;=</span> data &quot;a&quot; &quot;g&quot; {</span>',
      '<span class="pl-add">      <span class="pm">+</span> tags = {}</span>',
      '<span class="pl-sum">Plan: 1 to add, 1 to change, 1 to destroy.</span>',
      'plain line - with + signs ~ inside',
    ]);
  });

  it('escapes every line, including marker lines, and strips ANSI colours', () => {
    const { html } = renderPlanText(
      '  + x = "<script>alert(1)</script>"\n<b>&amp;\'\n\u001b[31m- red\u001b[0m',
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;&amp;amp;&#39;');
    expect(html).not.toMatch(/<(script|b)>/);
    expect(html).toContain('<span class="pl-del"><span class="pm">-</span> red</span>');
  });
});

describe('drift chart', () => {
  const day = 86_400_000;
  const points = [0, 2, 5, 3].map((drifted, i) => ({ at: Date.UTC(2024, 0, 1) + i * day, drifted }));

  it('draws one bar per bucket scaled to a nice axis maximum, with dates and a text summary', () => {
    const chart = buildDriftChart(points)!;
    expect(chart.peak).toBe(5);
    expect(chart.latest).toBe(3);
    expect(chart.summary).toBe('Drifted stacks per day from 2024-01-01 to 2024-01-04: 3 now, at most 5.');
    expect(chart.svg).toMatch(
      /^<svg class="chart" viewBox="0 0 600 150" role="img" aria-labelledby="chart-title">/,
    );
    const bars = [
      ...chart.svg.matchAll(
        /<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)">/g,
      ),
    ];
    expect(bars).toHaveLength(4);
    const heights = bars.map((b) => Number(b[4]));
    expect(heights[0]).toBe(0);
    // Plot height 114 for an axis max of 5: 2 → 45.6, 5 → 114, 3 → 68.4.
    expect(heights.slice(1)).toEqual([45.6, 114, 68.4]);
    const xs = bars.map((b) => Number(b[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(chart.svg).toContain('<title>2024-01-03: 5 drifted</title>');
    expect(chart.svg).toContain('>2024-01-01</text>');
    expect(chart.svg).toContain('>2024-01-04</text>');
    expect(chart.svg).toMatch(/text-anchor="end">5<\/text>/);
  });

  it('has an axis of at least 1 when nothing drifted, and no chart without points', () => {
    const flat = buildDriftChart(points.map((p) => ({ ...p, drifted: 0 })))!;
    expect(flat.svg).toMatch(/text-anchor="end">1<\/text>/);
    const flatHeights = [...flat.svg.matchAll(/class="bar"[^>]*height="([\d.]+)"/g)].map((m) => m[1]);
    expect(flatHeights).toEqual(['0.0', '0.0', '0.0', '0.0']);
    expect(buildDriftChart([])).toBeNull();
    expect(buildDriftChart([{ at: 0, drifted: 17 }])!.svg).toMatch(/text-anchor="end">20<\/text>/);
  });
});

function summary(stack: string, status: StackSummary['status'], finishedAt: number | null): StackSummary {
  return {
    repo: 'r' as RepoName,
    stack: stack as StackPath,
    status,
    kinds: [],
    summary: status ? EMPTY_SUMMARY : null,
    finishedAt,
  };
}

describe('stack list: filter, sort, paginate', () => {
  const stacks = [
    summary('envs/prod', 'drifted', 3),
    summary('envs/dev', 'in_sync', 5),
    summary('apps/prod-api', 'error', 1),
    summary('apps/web', null, null),
    summary('envs/prod-eu', 'drifted', 4),
  ];
  const names = (q: Record<string, string>) =>
    selectStacks(stacks, parseStackListQuery(q)).items.map((s) => s.stack);

  it('sorts worst first by default, then by path', () => {
    expect(names({})).toEqual(['apps/prod-api', 'envs/prod', 'envs/prod-eu', 'apps/web', 'envs/dev']);
  });

  it('filters by status and by text, case-insensitively', () => {
    expect(names({ status: 'drifted' })).toEqual(['envs/prod', 'envs/prod-eu']);
    expect(names({ q: 'PROD' })).toEqual(['apps/prod-api', 'envs/prod', 'envs/prod-eu']);
    expect(names({ status: 'drifted', q: 'eu' })).toEqual(['envs/prod-eu']);
    expect(names({ status: 'unknown' })).toEqual(['apps/web']);
  });

  it('sorts by stack and last run in both directions', () => {
    expect(names({ sort: 'stack' })).toEqual([
      'apps/prod-api',
      'apps/web',
      'envs/dev',
      'envs/prod',
      'envs/prod-eu',
    ]);
    expect(names({ sort: 'last_run', dir: 'desc' })).toEqual([
      'envs/dev',
      'envs/prod-eu',
      'envs/prod',
      'apps/prod-api',
      'apps/web',
    ]);
  });

  it('falls back to defaults for bad values', () => {
    expect(
      parseStackListQuery({ status: 'bogus', sort: 'x', dir: 'up', page: '-3', q: 'x'.repeat(500) }),
    ).toEqual({
      status: 'all',
      q: '',
      sort: 'status',
      dir: 'asc',
      page: 1,
    });
  });

  it('cuts pages of PER_PAGE, clamps a page past the end, and builds short links', () => {
    const many = Array.from({ length: 2 * PER_PAGE + 7 }, (_, i) =>
      summary(`s/${String(i).padStart(4, '0')}`, 'in_sync', i),
    );
    const q = parseStackListQuery({ sort: 'stack', page: '3' });
    const page3 = selectStacks(many, q);
    expect(page3).toMatchObject({ page: 3, pages: 3, matching: 2 * PER_PAGE + 7 });
    expect(page3.items).toHaveLength(7);
    expect(page3.items[0]!.stack).toBe(`s/${String(2 * PER_PAGE).padStart(4, '0')}`);
    expect(selectStacks(many, { ...q, page: 99 }).page).toBe(3);
    expect(listHref('/repos/r', q, { page: 1 })).toBe('/repos/r?sort=stack');
    expect(listHref('/repos/r', q, { status: 'drifted', q: 'a b&c' })).toBe(
      '/repos/r?status=drifted&q=a+b%26c&sort=stack&page=3',
    );
  });
});

function entry(
  status: HistoryEntry['status'],
  finishedAt: number,
  failure?: HistoryEntry['failure'],
): HistoryEntry {
  return {
    taskId: 'r:1' as TaskId,
    jobId: 'r:s:1' as JobId,
    status,
    kinds: [],
    summary: EMPTY_SUMMARY,
    trigger: 'api',
    finishedAt,
    durationMs: 1,
    ...(failure && { failure }),
  };
}

describe('history transitions', () => {
  it('finds when drift appeared and was resolved, ignoring canceled and timed-out runs', () => {
    const history = [
      entry('in_sync', 7),
      entry('error', 6, 'timeout'),
      entry('drifted', 5),
      entry('error', 4, 'terraform_error'),
      entry('drifted', 3),
      entry('error', 2, 'canceled'),
      entry('in_sync', 1),
    ];
    const t = deriveTransitions(history).map((x) => [x.kind, x.at]);
    expect(t).toEqual([
      ['resolved', 7],
      ['appeared', 5],
      ['failing', 4],
      ['appeared', 3],
    ]);
  });
});

describe('UI paths and sessions', () => {
  it('builds stack URLs the API parser reads back, for the root and odd paths', () => {
    for (const stack of ['.', 'envs/prod', 'odd stack/ü %x', 'a/scan', 'scan', 'x?y#z']) {
      const page = parseStackRoute(stackUrl('my-infra', stack), []);
      expect(page).toEqual({ repo: 'my-infra', stack, action: null });
      const post = parseStackRoute(stackScanUrl('my-infra', stack), ['scan']);
      expect(post).toEqual({ repo: 'my-infra', stack, action: 'scan' });
    }
    expect(stackUrl('r', '.')).toBe('/repos/r/stacks/');
  });

  it('only returns to same-site paths', () => {
    expect(safeLocalPath('/repos/x?q=1', '/')).toBe('/repos/x?q=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'x', '/a\nb', 42]) {
      expect(safeLocalPath(bad, '/fallback')).toBe('/fallback');
    }
    expect(withFlash('/repos/x?q=1&flash=old', 'scan_started')).toBe('/repos/x?q=1&flash=scan_started');
  });

  it('signs sessions and CSRF tokens so they cannot be forged or replayed after expiry', () => {
    const codec = makeSessionCodec(Buffer.alloc(32, 1));
    const cookie = codec.sign({ name: 'admin', scopes: ['read', 'write'], exp: 2000 });
    expect(codec.verify(cookie, 1000)).toEqual({ name: 'admin', scopes: ['read', 'write'], exp: 2000 });
    expect(codec.verify(cookie, 2000)).toBeNull();
    expect(makeSessionCodec(Buffer.alloc(32, 2)).verify(cookie, 1000)).toBeNull();
    expect(codec.verify(`${cookie}x`, 1000)).toBeNull();
    expect(codec.verify('garbage', 1000)).toBeNull();
    const csrf = codec.newCsrfCookie();
    expect(codec.checkCsrf(csrf, codec.csrfToken(csrf))).toBe(true);
    expect(codec.checkCsrf(csrf, codec.csrfToken(codec.newCsrfCookie()))).toBe(false);
    expect(codec.checkCsrf(undefined, codec.csrfToken(csrf))).toBe(false);
    expect(parseCookies('a=1; b=%20x; a=2; bad; c="q"')).toEqual({ a: '1', b: ' x', c: 'q' });
  });

  it('formats times and durations for people', () => {
    const now = 1_000_000_000_000;
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(relativeTime(now - 2 * 3600_000, now)).toBe('2 h ago');
    expect(relativeTime(now - 86_400_000, now)).toBe('1 day ago');
    expect(relativeTime(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(184_000)).toBe('3 min 4 s');
  });
});
