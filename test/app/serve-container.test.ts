import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AwilixContainer, asValue } from 'awilix';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cradle } from '../../src/app/container/cradle.js';
import { createServeContainer } from '../../src/app/container/create-serve-container.js';
import { createWorkerContainer } from '../../src/app/container/create-worker-container.js';
import { disposeContainer } from '../../src/app/container/dispose-container.js';
import { FakeRepoSource } from '../support/fake-repo-source.js';
import { drifted, ScriptedPlanRunner, StaticToolResolver } from '../support/scripted-plan-runner.js';
import { testConfig, testRepo } from '../support/test-config.js';

/**
 * Every API route through the embedded serve root (real use cases, memory coordination, fs results in a
 * temp dir, the in-process worker pool) with a fake repo source and a scripted plan runner:
 * trigger → task → jobs → results → stack JSON → plan text.
 */

let dir = '';
let container: AwilixContainer<Cradle>;
let c: Cradle;
let runner: ScriptedPlanRunner;

const SECRET_PLAN =
  'Objects have changed outside of Terraform\n  token = "ghp_0123456789abcdefghijABCDEFGHIJ"\n';

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftd-serve-container-'));
  const source = new FakeRepoSource(dir).setRepo('infra', {
    commit: 'abc123',
    stacks: ['.', 'envs/prod', 'envs/dev'],
  });
  runner = new ScriptedPlanRunner().script('envs/prod', { outcome: drifted(SECRET_PLAN) });
  const repos = [
    testRepo('infra', { cancelInflightOnNewTrigger: true, schedule: '0 3 * * *' }),
    testRepo('idle', { stacks: ['app'] }),
  ];
  const config = testConfig({
    repos,
    dataDir: path.join(dir, 'data'),
    worker: { workDir: path.join(dir, 'work') },
  });
  container = createServeContainer({
    config,
    overrides: {
      repoSource: asValue(source),
      planRunner: asValue(runner),
      toolResolver: asValue(new StaticToolResolver()),
    },
  });
  c = container.cradle;
  c.workerPool.start();
});
afterEach(async () => {
  await disposeContainer(container, 0);
  await rm(dir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
  const res = await c.httpApp.inject(payload === undefined ? { method, url } : { method, url, payload });
  const type = String(res.headers['content-type'] ?? '');
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
  const body: any = type.includes('json') ? res.json() : res.body;
  return { status: res.statusCode, body, type };
}

async function untilEnded(taskId: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { body } = await call('GET', `/api/tasks/${taskId}`);
    if (body.status !== 'running' && body.status !== 'created') return body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('serve container (embedded mode): every route through the real use cases', () => {
  it('composes embedded coordination with http + cron', () => {
    expect(c.mode).toBe('embedded');
    expect(c.redis).toBeNull();
    expect(Object.keys(container.registrations)).toEqual(expect.arrayContaining(['httpApp', 'scheduler']));
    expect(c.scheduler.nextRuns().map((r) => r.repo)).toEqual(['infra']);
  });

  it('trigger → task → jobs → results → stack JSON → plan text (redacted) → history', async () => {
    const trigger = await call('POST', '/api/repos/infra/scan', {
      trigger: 'post-apply',
      commit: 'f00',
      actor: 'ci',
    });
    expect(trigger.status).toBe(202);
    expect(trigger.body).toMatchObject({
      jobs: ['infra:.:', 'infra:envs/dev:', 'infra:envs/prod:'].map((p) => expect.stringContaining(p)),
      task: {
        repo_name: 'infra',
        status: 'running',
        total: 3,
        trigger: 'post-apply',
        actor: 'ci',
        trigger_commit: 'f00',
      },
    });
    const taskId: string = trigger.body.task.id;
    const task = await untilEnded(taskId);
    expect(task).toMatchObject({
      status: 'completed',
      total: 3,
      completed: 3,
      drifted: 1,
      failed: 0,
      queued: 0,
    });

    const prodJob = trigger.body.jobs.find((j: string) => j.includes('envs/prod'));
    for (const url of [`/api/jobs/${prodJob}`, `/api/jobs/${encodeURIComponent(prodJob)}`]) {
      const job = await call('GET', url);
      expect(job.body).toMatchObject({ id: prodJob, status: 'completed', result: { status: 'drifted' } });
    }
    expect((await call('GET', '/api/repos/infra/jobs')).body.jobs).toHaveLength(3);

    const stacks = (await call('GET', '/api/repos/infra/stacks')).body.stacks;
    expect(stacks.map((s: { stack: string; status: string }) => [s.stack, s.status])).toEqual([
      ['.', 'in_sync'],
      ['envs/dev', 'in_sync'],
      ['envs/prod', 'drifted'],
    ]);
    const stack = await call('GET', '/api/repos/infra/stacks/envs/prod');
    expect(stack.body).toMatchObject({
      stack: 'envs/prod',
      status: 'drifted',
      kinds: ['drift'],
      latest: { task_id: taskId },
    });
    const plan = await call('GET', '/api/repos/infra/stacks/envs/prod/plan');
    expect(plan.type).toMatch(/text\/plain/);
    expect(plan.body).toContain('Objects have changed outside of Terraform');
    expect(plan.body).not.toContain('ghp_0123456789abcdefghijABCDEFGHIJ');
    const history = await call('GET', '/api/repos/infra/stacks/envs/prod/history');
    expect(history.body.history).toHaveLength(1);
    expect(history.body.history[0]).toMatchObject({ task_id: taskId, status: 'drifted' });

    const repos = (await call('GET', '/api/repos')).body.repos;
    expect(repos.map((r: { name: string; counts: unknown }) => [r.name, r.counts])).toEqual([
      ['infra', { in_sync: 2, drifted: 1, error: 0, unknown: 0 }],
      ['idle', { in_sync: 0, drifted: 0, error: 0, unknown: 1 }],
    ]);
    expect((await call('GET', '/api/repos/infra')).status).toBe(200);
    expect((await call('GET', '/')).type).toMatch(/text\/html/);
  });

  it('conflict, single-stack join rule, cancel, health, openapi and 404s', async () => {
    runner.script('envs/dev', { hold: true });
    const first = await call('POST', '/api/repos/infra/scan');
    await runner.started('envs/dev');
    const single = await call('POST', '/api/repos/infra/stacks/envs/prod/scan');
    expect(single.status).toBe(409);
    expect(single.body).toMatchObject({ active_task: { id: first.body.task.id } });
    // A scheduled tick never supersedes, even with cancel_inflight_on_new_trigger.
    expect(await c.scheduler.fire('infra')).toMatchObject({
      kind: 'conflict',
      active: { id: first.body.task.id },
    });

    const cancel = await call('POST', `/api/tasks/${encodeURIComponent(first.body.task.id)}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ task: { status: 'canceled' }, message: 'Task canceled' });
    expect((await call('POST', `/api/tasks/${first.body.task.id}/cancel`)).status).toBe(409);

    expect((await call('GET', '/api/health')).body).toMatchObject({
      status: 'ok',
      mode: 'embedded',
      redis: 'not_configured',
    });
    const metrics = await call('GET', '/metrics');
    expect(metrics.body).toMatch(/^driftd_tasks_total\{[^}]*repo="infra"[^}]*status="started"[^}]*\} 1$/m);
    expect((await call('GET', '/api/openapi.json')).body).toMatchObject({
      openapi: expect.stringMatching(/^3\./),
    });
    expect((await call('GET', '/api/repos/nope')).body).toMatchObject({ code: 'repo_not_found' });
    expect((await call('GET', '/api/repos/infra/stacks/envs/nope')).status).toBe(404);
    expect((await call('GET', '/api/tasks/infra:1')).status).toBe(404);
  });

  it('the scheduler fires a scan through the container (trigger schedule) that the worker pool runs', async () => {
    const fired = await c.scheduler.fire('infra');
    expect(fired).toMatchObject({ kind: 'started', task: { trigger: { kind: 'schedule' } } });
    if (fired?.kind !== 'started') throw new Error('not started');
    expect(await untilEnded(fired.task.id)).toMatchObject({
      status: 'completed',
      trigger: 'schedule',
      completed: 3,
    });
  });
});

describe('createWorkerContainer', () => {
  it('refuses a config without redis:', () => {
    expect(() => createWorkerContainer({ config: testConfig() })).toThrow(
      'worker needs a redis: section; without it, driftd serve runs workers in-process',
    );
  });

  it('records results into the Redis outbox, not data_dir (nothing connects until resolved)', async () => {
    const config = { ...testConfig(), redis: { addr: '127.0.0.1:1', db: 0, prefix: 'driftd:' } };
    const worker = createWorkerContainer({ config });
    expect(worker.cradle.mode).toBe('worker');
    expect(worker.registrations.resultSink).toBeDefined();
    expect(Object.keys(worker.registrations)).not.toContain('httpApp');
    await disposeContainer(worker);
  });
});
