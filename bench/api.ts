/**
 * API benchmark: requests/s and p99 latency of `GET /api/repos`, `GET /api/tasks/{id}` and
 * `POST /api/repos/{repo}/scan` on the conflict path (409), with 100 repos × 100 stacks of stored results
 * (FsResultStore in a temp data_dir), through the real serve root (embedded mode: real use cases and
 * queries, the Fastify app with API + UI) listening on 127.0.0.1, under autocannon. The ceiling is a
 * no-op Fastify route measured in the same run with the same load: each figure is printed beside it.
 *
 * Run: `npx tsx bench/api.ts` (or `npm run bench -- api`). API_BENCH_SECONDS sets the time per route (3).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { asValue } from 'awilix';
import Fastify from 'fastify';
import { createServeContainer } from '../src/app/container/create-serve-container.js';
import { disposeContainer } from '../src/app/container/dispose-container.js';
import { EMPTY_SUMMARY } from '../src/domain/drift-result.js';
import type { JobId, RepoName, StackPath, TaskId } from '../src/domain/ids.js';
import { FakeRepoSource } from '../test/support/fake-repo-source.js';
import { testConfig, testRepo } from '../test/support/test-config.js';
import type { BenchRow } from './support/bench-table.js';
import { round } from './support/bench-table.js';

const REPOS = 100;
const STACKS = 100;
const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 3);
const CONNECTIONS = 10;

interface Load {
  readonly rps: number;
  readonly p99Ms: number;
  readonly statuses: string;
}

async function load(url: string, method: 'GET' | 'POST', expect: number): Promise<Load> {
  // The load generator runs in a worker thread, so it does not share the event loop with the server.
  const result = await autocannon({ url, method, connections: CONNECTIONS, duration: SECONDS, workers: 1 });
  const total = result.requests.total;
  const expected = expect === 200 ? result['2xx'] : result.non2xx;
  if (result.errors > 0 || expected !== total) {
    throw new Error(
      `${method} ${url}: ${total} requests, ${expected} with status ${expect}, ${result.errors} errors`,
    );
  }
  return { rps: result.requests.average, p99Ms: result.latency.p99, statuses: `${total} × ${expect}` };
}

async function seed(
  container: ReturnType<typeof createServeContainer>,
  repos: readonly string[],
  stacks: readonly string[],
) {
  const { resultStore } = container.cradle;
  const at = Date.now() - 60_000;
  for (let i = 0; i < repos.length; i += 10) {
    await Promise.all(
      repos.slice(i, i + 10).flatMap((repo) =>
        stacks.map((stack, s) =>
          resultStore.record(
            {
              repo: repo as RepoName,
              stack: stack as StackPath,
              taskId: `${repo}:${at}` as TaskId,
              jobId: `${repo}:${stack}:${at}` as JobId,
              attempt: 1,
              trigger: { kind: 'schedule' },
              result: {
                status: s % 10 === 0 ? 'drifted' : 'in_sync',
                kinds: s % 10 === 0 ? ['drift'] : [],
                summary: s % 10 === 0 ? { ...EMPTY_SUMMARY, change: 1, drifted: 1 } : EMPTY_SUMMARY,
                resources: [],
                outputs: [],
                diagnostics: [],
              },
              tool: { name: 'terraform', version: '1.11.4' },
              startedAt: at - 5_000,
              finishedAt: at,
            },
            'No changes.',
          ),
        ),
      ),
    );
  }
}

/** The ceiling: an empty Fastify app answering `{}` on one route, same machine, same load. */
async function noopCeiling(): Promise<Load> {
  const app = Fastify({ logger: false });
  app.get('/noop', async () => ({}));
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    return await load(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/noop`, 'GET', 200);
  } finally {
    await app.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'driftd-api-bench-'));
  const stacks = Array.from({ length: STACKS }, (_, s) =>
    s === 0 ? '.' : `envs/svc-${String(s).padStart(3, '0')}`,
  );
  const names = Array.from({ length: REPOS }, (_, r) => `repo-${String(r).padStart(3, '0')}`);
  const base = testConfig({
    repos: names.map((n) => testRepo(n, { stacks })),
    dataDir: join(dir, 'data'),
    worker: { workDir: join(dir, 'work') },
  });
  // Rate limiting off for the measurement: the conflict path itself is what is measured.
  const config = { ...base, api: { tokens: [], rateLimit: { max: 1e9, windowMs: 60_000 } } };
  const source = new FakeRepoSource(dir).setRepo('repo-000', { commit: 'c0ffee', stacks });
  const container = createServeContainer({ config, overrides: { repoSource: asValue(source) } });
  try {
    await seed(container, names, stacks);
    const c = container.cradle;
    // A running task (no worker pool started, so it stays running): the scan trigger conflicts with it.
    const started = await c.startTask({ repo: 'repo-000', trigger: { kind: 'api' } });
    if (started.kind !== 'started') throw new Error(`could not start the task: ${started.kind}`);
    await c.httpApp.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(c.httpApp.server.address() as AddressInfo).port}`;
    const ceiling = await noopCeiling();
    const routes = [
      [`GET /api/repos (${REPOS} repos × ${STACKS} stacks)`, `${origin}/api/repos`, 'GET', 200],
      ['GET /api/tasks/{id}', `${origin}/api/tasks/${encodeURIComponent(started.task.id)}`, 'GET', 200],
      ['POST /api/repos/{repo}/scan (409 conflict)', `${origin}/api/repos/repo-000/scan`, 'POST', 409],
    ] as const;
    const rows: BenchRow[] = [
      {
        benchmark: 'api',
        case: 'no-op Fastify route (ceiling)',
        figure: 'requests/s',
        value: round(ceiling.rps, 0),
        unit: `req/s (p99 ${ceiling.p99Ms} ms)`,
        verdict: 'info',
      },
    ];
    for (const [label, url, method, status] of routes) {
      const m = await load(url, method, status);
      rows.push({
        benchmark: 'api',
        case: label,
        figure: 'requests/s',
        value: round(m.rps, 0),
        unit: `req/s (p99 ${m.p99Ms} ms; ${m.statuses})`,
        baseline: `no-op route ${round(ceiling.rps, 0)} req/s, p99 ${ceiling.p99Ms} ms, same run`,
        ratio: m.rps / ceiling.rps,
        verdict: 'info',
      });
    }
    return rows;
  } finally {
    await disposeContainer(container, 0);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await run();
  console.log(`${CONNECTIONS} connections, ${SECONDS} s per route, autocannon against 127.0.0.1`);
  console.table(
    rows.map((r) => ({
      route: r.case,
      'req/s': r.value,
      detail: r.unit,
      'of ceiling': r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(1)}%`,
    })),
  );
}
