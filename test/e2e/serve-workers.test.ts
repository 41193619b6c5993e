import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/adapters/redis/keys.js';
import { loadConfigFile } from '../../src/app/config/load-config.js';
import { createServeContainer } from '../../src/app/container/create-serve-container.js';
import { disposeContainer } from '../../src/app/container/dispose-container.js';
import { commit, git } from '../integration/git/git-fixtures.js';
import { type DriftdProcess, spawnDriftd } from '../support/driftd-process.js';
import { hasRedisServer, type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { repoRoot } from '../support/terraform-fixtures.js';

if (!hasRedisServer()) console.warn('serve + workers e2e skipped: no redis-server on PATH');

const STANDIN_BIN = path.join(repoRoot, 'test/support/bin');
/** Verdict per stack, from the stand-in scenario committed in each stack dir. */
const STACKS = {
  'stacks/app': 'update',
  'stacks/broken': 'error',
  'stacks/db': 'drift',
  'stacks/dns': 'in_sync',
  'stacks/net': 'in_sync',
} as const;
/** A token-like string the app stack's plan prints: the stored plan text must not contain it. */
const LEAKED_TOKEN = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
const EXPECTED_COUNTERS = {
  total: 5,
  queued: 0,
  running: 0,
  completed: 4,
  failed: 1,
  drifted: 2,
  errored: 1,
};
/** A task with a failed job ends `failed` ("1 of 5 jobs failed"); every job still ran. */
const ended = (t: Record<string, unknown>) => t.status !== 'running' && t.status !== 'created';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stackFiles(sleepMs: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [stack, scenario] of Object.entries(STACKS)) {
    files[`${stack}/main.tf`] = 'resource "terraform_data" "example" {}\n';
    const planOutput =
      stack === 'stacks/app' ? `Warning: provider token ${LEAKED_TOKEN} in output` : undefined;
    files[`${stack}/.stand-in.json`] = JSON.stringify({ scenario, sleepMs, planOutput });
  }
  return files;
}

describe.runIf(hasRedisServer())('driftd serve + two driftd worker processes on real Redis', () => {
  let redis: RedisServerHandle;
  let dir = '';
  let repo = '';
  let configPath = '';
  let base = '';
  let serve: DriftdProcess;
  const workers: DriftdProcess[] = [];
  const serveEnv = (port: number) => ({ DRIFTD_LISTEN_ADDR: `127.0.0.1:${port}` });
  let port = 0;

  /** A worker with its own cache and data dirs (no shared disk) and the stand-in first on PATH. */
  const workerEnv = (n: number) => ({
    PATH: `${STANDIN_BIN}${path.delimiter}${process.env.PATH}`,
    DRIFTD_CACHE_DIR: path.join(dir, `worker-${n}`, 'cache'),
    DRIFTD_DATA_DIR: path.join(dir, `worker-${n}`, 'data'),
  });
  const startWorker = async (n: number) => {
    const w = spawnDriftd(['worker', '-config', configPath, '--log-level', 'debug'], workerEnv(n));
    await w.waitForLine(/^driftd worker: 1 job slots/);
    workers[n] = w;
    return w;
  };
  const startServe = async () => {
    serve = spawnDriftd(['serve', '-config', configPath, '-log-level', 'debug'], serveEnv(port));
    await serve.waitForLine(/^driftd serve: serve mode/);
  };

  const api = async (method: string, url: string) => {
    const res = await fetch(`${base}${url}`, { method });
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
    };
  };
  const waitTask = async (id: string, check: (t: Record<string, unknown>) => boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await api('GET', `/api/tasks/${encodeURIComponent(id)}`).catch(() => null);
      if (task?.status === 200 && check(task.body)) return task.body as Record<string, unknown>;
      if (Date.now() > deadline)
        throw new Error(`task ${id}: condition not met; last ${JSON.stringify(task?.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Failure lines of a task's jobs, for assertion messages. */
  const failures = async (taskId: string) => {
    const jobs = (await api('GET', '/api/repos/r/jobs?limit=100')).body as {
      jobs?: Record<string, unknown>[];
    };
    const mine = (jobs.jobs ?? []).filter((j) => j.task_id === taskId && j.status === 'failed');
    const warnings = [serve, ...workers].flatMap((p) => p.logs().filter((l) => Number(l.level) >= 40));
    return JSON.stringify({ failed: mine.map((j) => [j.stack, j.failure ?? j.last_failure]), warnings });
  };
  const jobsProcessedBy = (w: DriftdProcess, taskId: string) =>
    new Set(
      w
        .logs()
        .filter((l) => l.msg === 'job processing' && l.taskId === taskId)
        .map((l) => l.jobId),
    );

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(path.join(tmpdir(), 'driftd-e2e-'));
    repo = path.join(dir, 'repo');
    git(dir, 'init', '-q', '-b', 'main', repo);
    await commit(repo, stackFiles(300), 'stacks');
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    configPath = path.join(dir, 'config.yaml');
    const config = [
      `data_dir: ${path.join(dir, 'data')}`,
      'redis:',
      `  addr: "127.0.0.1:${redis.port}"`,
      '  prefix: "e2e:"',
      'worker:',
      '  concurrency: 1',
      '  drain_grace: 500ms',
      'tools:',
      `  cache_dir: ${path.join(dir, 'cache')}`,
      '  install: false',
      '  switchers: false',
      'repos:',
      '  - name: r',
      `    url: file://${repo}`,
      '    cancel_inflight_on_new_trigger: true',
      '    schedule: "0 0 1 1 *"',
    ];
    await writeFile(configPath, `${config.join('\n')}\n`);
    await startServe();
    await Promise.all([startWorker(0), startWorker(1)]);
  });

  afterAll(async () => {
    await Promise.all([serve, ...workers].filter(Boolean).map((p) => p.stop('SIGKILL', 1_000)));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a full scan triggered over HTTP on both workers; counters, verdicts and plan text through the API', async () => {
    expect((await api('GET', '/api/health')).body).toMatchObject({
      status: 'ok',
      mode: 'serve',
      redis: 'ok',
    });
    const trigger = await fetch(`${base}/api/repos/r/scan`, { method: 'POST' });
    expect(trigger.status).toBe(202);
    const started = (await trigger.json()) as { jobs: string[]; task: { id: string; total: number } };
    expect(started.jobs).toHaveLength(5);
    expect(started.task.total).toBe(5);
    // A single-stack trigger never cancels a running full scan, even with cancel_inflight_on_new_trigger.
    const conflict = await fetch(`${base}/api/repos/r/stacks/stacks/net/scan`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ active_task: { id: started.task.id, total: 5 } });

    const task = await waitTask(started.task.id, ended);
    expect(task, await failures(started.task.id)).toMatchObject({
      ...EXPECTED_COUNTERS,
      status: 'failed',
      reason: '1 of 5 jobs failed',
    });
    // Task state lives in Redis, results reach data_dir through serve's outbox drain: a moment later.
    const verdicts = async () => {
      const { body } = await api('GET', '/api/repos/r/stacks');
      const list = (body as { stacks: { stack: string; status: string | null }[] }).stacks;
      return Object.fromEntries(list.map((s) => [s.stack, s.status]));
    };
    const deadline = Date.now() + 5_000;
    while (Object.values(await verdicts()).includes(null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await verdicts()).toEqual({
      'stacks/app': 'drifted',
      'stacks/broken': 'error',
      'stacks/db': 'drifted',
      'stacks/dns': 'in_sync',
      'stacks/net': 'in_sync',
    });
    const app = await api('GET', '/api/repos/r/stacks/stacks/app');
    expect(app.body).toMatchObject({
      status: 'drifted',
      kinds: ['unapplied'],
      tool: { name: 'terraform', version: '1.11.4' },
    });
    const plan = await api('GET', '/api/repos/r/stacks/stacks/app/plan');
    expect(plan.status).toBe(200);
    expect(plan.body).toContain('Plan:');
    // Stored plan text is redacted: the token-like string the plan printed is masked.
    expect(plan.body).toContain('Warning: provider token *** in output');
    expect(plan.body).not.toContain(LEAKED_TOKEN);
    expect(jobsProcessedBy(workers[0]!, started.task.id).size).toBeGreaterThan(0);
    expect(jobsProcessedBy(workers[1]!, started.task.id).size).toBeGreaterThan(0);
    // Workers need no shared disk: only serve wrote data_dir; the workers' data dirs stay empty.
    for (const n of [0, 1]) expect(existsSync(path.join(dir, `worker-${n}`, 'data', 'repos'))).toBe(false);
    expect(readdirSync(path.join(dir, 'data'))).toContain('repos');
  });

  it('SIGTERM to a worker mid-task hands its job back; after a restart the task completes, counters exact', async () => {
    await commit(repo, stackFiles(2_500), 'slow stacks');
    const res = await fetch(`${base}/api/repos/r/scan`, { method: 'POST' });
    const { task } = (await res.json()) as { task: { id: string } };
    await waitTask(task.id, (t) => t.running === 2);
    const exit = await workers[0]!.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(workers[0]!.logs().some((l) => l.msg === 'job handed back')).toBe(true);
    await startWorker(0);
    const done = await waitTask(task.id, ended, 90_000);
    expect(done, await failures(task.id)).toMatchObject(EXPECTED_COUNTERS);
  });

  it('SIGTERM to serve mid-task loses nothing: workers keep going, the restarted serve records every result', async () => {
    const res = await fetch(`${base}/api/repos/r/scan`, { method: 'POST' });
    const { task } = (await res.json()) as { task: { id: string } };
    await waitTask(task.id, (t) => t.running === 2);
    expect(await serve.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // While serve is down, workers' results wait in the Redis outbox (nothing writes data_dir).
    const client = new Redis(redis.url);
    const outbox = makeKeys('e2e:').outbox;
    const deadline = Date.now() + 15_000;
    while ((await client.llen(outbox)) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await client.llen(outbox)).toBeGreaterThan(0);
    await startServe();
    await waitTask(task.id, ended, 90_000);
    const drained = Date.now() + 5_000;
    while ((await client.llen(outbox)) > 0 && Date.now() < drained)
      await new Promise((r) => setTimeout(r, 50));
    expect(await client.llen(outbox)).toBe(0);
    client.disconnect();
    const done = await waitTask(task.id, ended, 90_000);
    expect(done).toMatchObject(EXPECTED_COUNTERS);
    const history = await api('GET', '/api/repos/r/stacks/stacks/db/history');
    expect(JSON.stringify(history.body)).toContain(task.id);
    const latest = await api('GET', '/api/repos/r/stacks/stacks/net');
    expect(latest.body).toMatchObject({ status: 'in_sync', latest: { task_id: task.id } });
  });

  it('the scheduler (fired directly through a serve container) starts a scan and never supersedes a running one', async () => {
    await commit(repo, stackFiles(1_000), 'medium stacks');
    const config = await loadConfigFile(configPath, process.env);
    const container = createServeContainer({ config });
    try {
      const first = await container.cradle.scheduler.fire('r');
      expect(first).toMatchObject({ kind: 'started', task: { trigger: { kind: 'schedule' } } });
      const second = await container.cradle.scheduler.fire('r');
      expect(second).toMatchObject({ kind: 'conflict' });
      if (first?.kind !== 'started') throw new Error('not started');
      const done = await waitTask(first.task.id, ended, 90_000);
      expect(done, await failures(first.task.id)).toMatchObject({
        ...EXPECTED_COUNTERS,
        trigger: 'schedule',
      });
    } finally {
      await disposeContainer(container);
    }
  });

  it('SIGTERM to the workers and serve: every process exits 0', async () => {
    const exits = await Promise.all([...workers, serve].map((p) => p.stop('SIGTERM')));
    expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
  });
});
