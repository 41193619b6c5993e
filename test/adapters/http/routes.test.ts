import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LeaseToken, StackPath } from '../../../src/domain/ids.js';
import { makeJobId, makeTaskId, type RepoName } from '../../../src/domain/ids.js';
import { completeJob, createJob, enqueueJob, type Job, startJob } from '../../../src/domain/job.js';
import { createTask, startTask, type Task } from '../../../src/domain/task.js';
import { driftedResult, T0 } from './fake-driftd.js';
import { makeTestApp, rawRequest, seededFake, type TestApp } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();
let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

/** The spec's 409 sample: a full scan 140 of 500 jobs in. */
function runningTask(): Task {
  const id = makeTaskId('my-infra' as RepoName, 1706712000000);
  const created = createTask(
    { id, repo: 'my-infra' as RepoName, trigger: { kind: 'schedule' }, total: 500 },
    1706712000000,
  );
  const started = startTask(created, 1706712000000);
  if (!started.ok) throw new Error('setup');
  const counters = {
    total: 500,
    queued: 320,
    running: 40,
    completed: 140,
    failed: 0,
    drifted: 12,
    errored: 0,
  };
  return { ...started.value.state, counters };
}

describe('trigger routes (spec shapes)', () => {
  it('POST .../stacks/envs/prod/scan with the post-apply body returns the spec response and records the trigger', async () => {
    const fake = seededFake();
    const startSpy = vi.fn(fake.startTask);
    t = makeTestApp({ fake, startTask: startSpy });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/repos/my-infra/stacks/envs/prod/scan',
      headers: { 'content-type': 'application/json' },
      payload: { trigger: 'post-apply', commit: 'abc123', actor: 'ci' },
    });
    expect(res.statusCode).toBe(202);
    expect(startSpy).toHaveBeenCalledWith({
      repo: 'my-infra',
      stack: 'envs/prod',
      trigger: { kind: 'post-apply', commit: 'abc123', actor: 'ci' },
      allowSupersede: true,
    });
    expect(res.json()).toEqual({
      jobs: [`my-infra:envs/prod:${T0}`],
      task: {
        id: `my-infra:${T0}`,
        repo_name: 'my-infra',
        status: 'running',
        total: 1,
        queued: 1,
        running: 0,
        completed: 0,
        failed: 0,
        drifted: 0,
        errored: 0,
        stack: 'envs/prod',
        trigger: 'post-apply',
        actor: 'ci',
        trigger_commit: 'abc123',
        commit: 'abc1234',
        created_at: iso(T0),
        started_at: iso(T0),
        finished_at: null,
        reason: null,
        superseded_by: null,
      },
      message: 'Job enqueued',
    });
    expect(Object.keys(res.json().task).slice(0, 10)).toEqual([
      'id',
      'repo_name',
      'status',
      'total',
      'queued',
      'running',
      'completed',
      'failed',
      'drifted',
      'errored',
    ]);
  });

  it('POST /api/repos/{repo}/scan works with no body and no content type (trigger api)', async () => {
    t = makeTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.jobs).toHaveLength(6);
    expect(body.message).toBe('Task started with 6 jobs');
    expect(body.task).toMatchObject({ trigger: 'api', actor: null, total: 6, queued: 6, stack: null });
  });

  it('an empty JSON body counts as no body', async () => {
    t = makeTestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/repos/other/scan',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().message).toBe('Job enqueued');
  });

  it('409 while a task runs: the spec body with the active task and its live counts', async () => {
    t = makeTestApp();
    t.fake.setActive(runningTask());
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    expect(res.statusCode).toBe(409);
    const body = res.json();
    expect(body).toMatchObject({
      error: 'Repository scan already in progress',
      code: 'conflict',
      active_task: {
        id: 'my-infra:1706712000000',
        repo_name: 'my-infra',
        status: 'running',
        total: 500,
        queued: 320,
        running: 40,
        completed: 140,
        failed: 0,
        drifted: 12,
        errored: 0,
      },
    });
    expect(Object.keys(body)).toEqual(['error', 'code', 'active_task']);
  });

  it('a superseding trigger reports the canceled task', async () => {
    const app = makeTestApp();
    app.fake.addRepo('hot', ['a', 'b'], { cancelInflight: true });
    t = app;
    const first = await t.app.inject({ method: 'POST', url: '/api/repos/hot/scan' });
    const second = await t.app.inject({ method: 'POST', url: '/api/repos/hot/scan' });
    expect(second.statusCode).toBe(202);
    expect(second.json().superseded_task).toMatchObject({
      id: first.json().task.id,
      status: 'canceled',
      superseded_by: second.json().task.id,
    });
  });
});

describe('task and job routes (ids raw and URL-encoded)', () => {
  it('GET /api/tasks/{id} answers for the raw and the encoded id', async () => {
    t = makeTestApp();
    const started = (await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' })).json();
    for (const url of [
      `/api/tasks/${started.task.id}`,
      `/api/tasks/${encodeURIComponent(started.task.id)}`,
    ]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual(started.task);
    }
  });

  it('GET /api/jobs/{id} with `:` and `/` raw, fully encoded, and with only the slash encoded', async () => {
    t = makeTestApp();
    await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    const id = `my-infra:envs/prod:${T0}`;
    for (const url of [
      `/api/jobs/${id}`,
      `/api/jobs/${encodeURIComponent(id)}`,
      `/api/jobs/my-infra:envs%2Fprod:${T0}`,
    ]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toMatchObject({
        id,
        task_id: `my-infra:${T0}`,
        stack: 'envs/prod',
        status: 'pending',
      });
    }
  });

  it('job JSON includes the result summary once it exists', async () => {
    t = makeTestApp();
    const job = finishedJob();
    t.fake.jobs.set(job.id, job);
    const res = await t.app.inject({ url: `/api/jobs/${encodeURIComponent(job.id)}` });
    expect(res.json()).toEqual({
      id: 'other:app:1000',
      task_id: 'other:1000',
      repo_name: 'other',
      stack: 'app',
      status: 'completed',
      attempt: 1,
      max_attempts: 2,
      commit: null,
      created_at: iso(1000),
      updated_at: iso(3000),
      queued_at: null,
      started_at: iso(2000),
      finished_at: iso(3000),
      worker_id: null,
      result: {
        status: 'drifted',
        kinds: ['drift'],
        summary: { add: 0, change: 1, destroy: 0, import: 0, move: 0, drifted: 1, outputs: 0 },
        tool: 'terraform',
        tool_version: '1.9.8',
      },
      failure: null,
      last_failure: null,
      reason: null,
    });
  });

  it('POST /api/tasks/{id}/cancel cancels (encoded id too), then refuses a finished task with 409', async () => {
    t = makeTestApp();
    const a = (await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' })).json();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/tasks/${encodeURIComponent(a.task.id)}/cancel`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      message: 'Task canceled',
      task: { id: a.task.id, status: 'canceled' },
    });
    const again = await t.app.inject({ method: 'POST', url: `/api/tasks/${a.task.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'task_not_active', task: { status: 'canceled' } });
  });
});

function finishedJob(): Job {
  const repo = 'other' as RepoName;
  const stack = 'app' as StackPath;
  const created = createJob(
    { id: makeJobId(repo, stack, 1000), taskId: makeTaskId(repo, 1000), repo, stack, maxAttempts: 2 },
    1000,
  );
  const pending = enqueueJob(created, 1000);
  if (!pending.ok) throw new Error('setup');
  const token = 'lease-1' as LeaseToken;
  const running = startJob(pending.value.state, { workerId: 'w1', token, leaseMs: 60_000 }, 2000);
  if (!running.ok) throw new Error('setup');
  const r = driftedResult();
  const done = completeJob(
    running.value.state,
    token,
    { status: r.status, kinds: r.kinds, summary: r.summary, tool: 'terraform', toolVersion: '1.9.8' },
    3000,
  );
  if (!done.ok) throw new Error('setup');
  return done.value.state;
}

describe('repo and stack routes', () => {
  it('GET /api/health is the health report; 503 when degraded', async () => {
    t = makeTestApp();
    const ok = await t.app.inject({ url: '/api/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', mode: 'embedded', redis: 'not_configured', version: '0.1.0' });
    t.fake.healthReport = { status: 'degraded', mode: 'serve', redis: 'unreachable', version: '0.1.0' };
    const bad = await t.app.inject({ url: '/api/health' });
    expect(bad.statusCode).toBe(503);
    expect(bad.json().redis).toBe('unreachable');
  });

  it('GET /api/repos, /api/repos/{repo}, /api/repos/{repo}/jobs?limit=', async () => {
    t = makeTestApp();
    t.fake.addRun('my-infra', 'envs/prod', driftedResult());
    await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    const repos = (await t.app.inject({ url: '/api/repos' })).json().repos;
    expect(repos.map((r: { name: string }) => r.name)).toEqual(['my-infra', 'other']);
    expect(repos[0]).toMatchObject({
      url: 'https://git.example.com/my-infra.git',
      stacks: 6,
      counts: { in_sync: 0, drifted: 1, error: 0, unknown: 5 },
      active_task: { repo_name: 'my-infra', total: 6 },
      last_run_at: null,
    });
    const detail = (await t.app.inject({ url: '/api/repos/my-infra' })).json();
    expect(detail.stack_list).toHaveLength(6);
    const jobs = await t.app.inject({ url: '/api/repos/my-infra/jobs?limit=2' });
    expect(jobs.json().jobs).toHaveLength(2);
  });

  it('GET stacks, a stack (with plan_url), its plan text and its history', async () => {
    t = makeTestApp();
    t.fake.addRun(
      'my-infra',
      'envs/prod',
      driftedResult(),
      '~ terraform_data.app\n  input: (sensitive value)\n',
    );
    const stacks = (await t.app.inject({ url: '/api/repos/my-infra/stacks' })).json().stacks;
    expect(stacks.map((s: { stack: string }) => s.stack)).toContain('.');
    const detail = (await t.app.inject({ url: '/api/repos/my-infra/stacks/envs/prod' })).json();
    expect(detail).toMatchObject({
      repo_name: 'my-infra',
      stack: 'envs/prod',
      status: 'drifted',
      kinds: ['drift'],
      plan_url: '/api/repos/my-infra/stacks/envs/prod/plan',
      history_url: '/api/repos/my-infra/stacks/envs/prod/history',
      latest: {
        task_id: `my-infra:${T0 - 60_000}`,
        trigger: { kind: 'schedule', commit: null, actor: null },
        result: {
          status: 'drifted',
          resources: [
            {
              address: 'terraform_data.app',
              previous_address: null,
              actions: ['update'],
              kind: 'drift_reverted',
              changed_attributes: ['input'],
              reason: null,
            },
          ],
          terraform_version: '1.9.8',
        },
      },
    });
    const plan = await t.app.inject({ url: detail.plan_url });
    expect(plan.statusCode).toBe(200);
    expect(plan.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(plan.body).toContain('(sensitive value)');
    const history = (await t.app.inject({ url: detail.history_url })).json().history;
    expect(history).toEqual([
      expect.objectContaining({ status: 'drifted', duration_ms: 5000, trigger: 'schedule' }),
    ]);
  });

  it('a stack without a result: status null, plan 404 plan_not_found', async () => {
    t = makeTestApp();
    const detail = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs/staging' });
    expect(detail.json()).toMatchObject({ status: null, latest: null, plan_url: null });
    const plan = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs/staging/plan' });
    expect(plan.statusCode).toBe(404);
    expect(plan.json().code).toBe('plan_not_found');
  });
});

describe('stack paths: nesting, odd characters, the root stack, action-named stacks', () => {
  const scanOf = async (url: string) => {
    const res = await t.app.inject({ method: 'POST', url });
    return { status: res.statusCode, stack: res.json().task?.stack, code: res.json().code };
  };

  it.each([
    ['/api/repos/my-infra/stacks/envs/prod/scan', 'envs/prod'],
    ['/api/repos/my-infra/stacks/envs%2Fprod/scan', 'envs/prod'],
    ['/api/repos/my-infra/stacks/envs/prod/scan?x=1', 'envs/prod'],
    ['/api/repos/my-infra/stacks/odd%20stack/%C3%BC%3Ax/scan', 'odd stack/ü:x'],
    ['/api/repos/my-infra/stacks/odd%20stack%2F%C3%BC:x/scan', 'odd stack/ü:x'],
    ['/api/repos/my-infra/stacks/./scan', '.'],
    ['/api/repos/my-infra/stacks/scan', '.'],
    ['/api/repos/my-infra/stacks/scan/scan', 'scan'],
  ])('POST %s scans %s', async (url, stack) => {
    t = makeTestApp();
    expect(await scanOf(url)).toEqual({ status: 202, stack, code: undefined });
  });

  it('the root stack over a raw socket: `.` and `%2E` as sent', async () => {
    for (const path of ['/api/repos/my-infra/stacks/./scan', '/api/repos/my-infra/stacks/%2E/scan']) {
      t = makeTestApp();
      const res = await rawRequest(t.app, 'POST', path);
      expect(res.status, path).toBe(202);
      expect(JSON.parse(res.body).task.stack).toBe('.');
      await t.app.close();
    }
  });

  it('GET .../envs/plan is the plan of `envs`; .../envs%2Fplan is the stack `envs/plan`', async () => {
    t = makeTestApp();
    const asAction = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs/plan' });
    expect(asAction.statusCode).toBe(404);
    expect(asAction.json().code).toBe('stack_not_found');
    const asStack = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs%2Fplan' });
    expect(asStack.statusCode).toBe(200);
    expect(asStack.json().stack).toBe('envs/plan');
  });

  it('POST to a stack URL without /scan is a 404 not_found route', async () => {
    t = makeTestApp();
    expect(await scanOf('/api/repos/my-infra/stacks/envs/prod')).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });
});
