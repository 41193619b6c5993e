/**
 * Web UI render benchmark: the dashboard and a repo page over 100 repos × 100 stacks of stored results,
 * measured through the real stack (FsResultStore in a temp data_dir → real Queries → UI plugin → Nunjucks)
 * with `inject`. Prints p50/p99 render times and page weights. `npx tsx bench/ui.ts`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { asValue } from 'awilix';
import { buildHttpApp } from '../src/adapters/http/build-http-app.js';
import { makeUiPlugin } from '../src/adapters/http/ui/ui-plugin.js';
import { createEmbeddedContainer } from '../src/app/container/create-embedded-container.js';
import type { DriftResult } from '../src/domain/drift-result.js';
import { EMPTY_SUMMARY, errorResult } from '../src/domain/drift-result.js';
import type { JobId, RepoName, StackPath, TaskId } from '../src/domain/ids.js';
import type { StackRun } from '../src/domain/stack-run.js';
import { FakeRepoSource } from '../test/support/fake-repo-source.js';
import { testConfig, testRepo } from '../test/support/test-config.js';

export interface UiBenchRow {
  readonly page: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** HTML bytes of the page, before compression. */
  readonly htmlBytes: number;
  /** HTML + CSS + JS: what a first visit downloads. */
  readonly weightBytes: number;
  readonly goalP50Ms: number;
}

const REPOS = 100;
const STACKS = 100;
const RUNS = 300;
const WARMUP = 30;
const DAY = 86_400_000;

const drifted: DriftResult = {
  status: 'drifted',
  kinds: ['drift', 'unapplied'],
  summary: { ...EMPTY_SUMMARY, add: 1, change: 2, destroy: 0, drifted: 1 },
  resources: [
    {
      address: 'aws_s3_bucket.logs',
      actions: ['update'],
      kind: 'drift_reverted',
      changedAttributes: ['tags'],
    },
  ],
  outputs: [],
  diagnostics: [],
};
const clean: DriftResult = {
  status: 'in_sync',
  kinds: [],
  summary: EMPTY_SUMMARY,
  resources: [],
  outputs: [],
  diagnostics: [],
};

function resultFor(r: number, s: number): DriftResult {
  if ((r * 7 + s) % 10 === 0) return drifted;
  if ((r + s * 3) % 33 === 0)
    return errorResult('terraform plan failed: Error: Invalid provider configuration');
  return clean;
}

function stackName(s: number): string {
  return s === 0 ? '.' : `envs/${['prod', 'staging', 'dev', 'qa'][s % 4]}/svc-${String(s).padStart(3, '0')}`;
}

function stackRun(repo: string, stack: string, at: number, result: DriftResult): StackRun {
  return {
    repo: repo as RepoName,
    stack: stack as StackPath,
    taskId: `${repo}:${at}` as TaskId,
    jobId: `${repo}:${stack}:${at}` as JobId,
    attempt: 1,
    commit: 'c0ffee0012345678',
    trigger: { kind: 'schedule' },
    result,
    tool: { name: 'terraform', version: '1.9.8' },
    startedAt: at - 5_000,
    finishedAt: at,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function measure(app: ReturnType<typeof buildHttpApp>, url: string) {
  let html = '';
  for (let i = 0; i < WARMUP; i++) html = (await app.inject({ method: 'GET', url })).body;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url });
    times.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), bytes: Buffer.byteLength(html) };
}

/** Where the dashboard's time goes: the overview query alone vs. the whole request. */
async function profileDashboard(queries: { overview(): Promise<unknown>; listRepos(): Promise<unknown> }) {
  for (const [name, fn] of [
    ['queries.overview()', () => queries.overview()],
    ['queries.listRepos()', () => queries.listRepos()],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      await fn();
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${name}: p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms`,
    );
  }
}

export async function run(): Promise<UiBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'driftd-ui-bench-'));
  const stacks = Array.from({ length: STACKS }, (_, s) => stackName(s));
  const repos = Array.from({ length: REPOS }, (_, r) =>
    testRepo(`repo-${String(r).padStart(3, '0')}`, { stacks, schedule: '0 */6 * * *' }),
  );
  const container = createEmbeddedContainer({
    config: testConfig({ repos, dataDir: join(dir, 'data'), worker: { workDir: join(dir, 'work') } }),
    overrides: { repoSource: asValue(new FakeRepoSource(dir)) },
  });
  const c = container.cradle;
  try {
    const now = Date.now();
    // Ten repos at a time: FsResultStore writes each run atomically (temp file + rename).
    for (let batch = 0; batch < REPOS; batch += 10) {
      await Promise.all(repos.slice(batch, batch + 10).map((repo, i) => seedRepo(repo.name, batch + i)));
    }
    async function seedRepo(repo: string, r: number) {
      await Promise.all(
        stacks.map(async (stack, s) => {
          // Two runs per stack: the history behind the drift chart.
          await c.resultStore.record(stackRun(repo, stack, now - 2 * DAY, clean), 'No changes.');
          const plan = 'Plan: 1 to add, 2 to change, 0 to destroy.';
          await c.resultStore.record(stackRun(repo, stack, now - DAY + r * 1000 + s, resultFor(r, s)), plan);
        }),
      );
    }
    const deps = { queries: c.queries, startTask: c.startTask, cancelTask: c.cancelTask, events: c.eventBus };
    const app = buildHttpApp(
      {
        ...deps,
        logger: c.logger,
        apiConfig: { tokens: [], rateLimit: { max: 1e9, windowMs: 60_000 } },
        version: 'bench',
      },
      { ui: makeUiPlugin(deps) },
    );
    await app.ready();
    const page = await app.inject({ method: 'GET', url: '/' });
    const assets = [...page.body.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    let assetBytes = 0;
    for (const url of assets)
      assetBytes += Buffer.byteLength((await app.inject({ method: 'GET', url })).body);
    if (process.env.UI_BENCH_PROFILE) await profileDashboard(c.queries);
    const rows: UiBenchRow[] = [];
    for (const [label, url, goal] of [
      [`dashboard (${REPOS} repos × ${STACKS} stacks)`, '/', 20],
      [`repo page (${STACKS} stacks, first page)`, '/repos/repo-050', 30],
      [`repo page filtered + sorted`, '/repos/repo-050?status=drifted&q=prod&sort=last_run&dir=desc', 30],
      ['stack page', `/repos/repo-050/stacks/${stackName(10)}`, 30],
    ] as const) {
      const m = await measure(app, url);
      rows.push({
        page: label,
        p50Ms: m.p50,
        p99Ms: m.p99,
        htmlBytes: m.bytes,
        weightBytes: m.bytes + assetBytes,
        goalP50Ms: goal,
      });
    }
    await app.close();
    return rows;
  } finally {
    await container.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await run();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.table(
    rows.map((r) => ({
      page: r.page,
      'p50 ms': r.p50Ms.toFixed(2),
      'p99 ms': r.p99Ms.toFixed(2),
      'goal p50': `< ${r.goalP50Ms} ms ${r.p50Ms < r.goalP50Ms ? 'ok' : 'MISSED'}`,
      html: kb(r.htmlBytes),
      'weight (html+css+js)': `${kb(r.weightBytes)} ${r.weightBytes < 200 * 1024 ? 'ok' : 'OVER 200 KB'}`,
    })),
  );
}
