import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseToken, StackPath } from '../../../src/domain/ids.js';
import { makeJobId, makeTaskId, type RepoName } from '../../../src/domain/ids.js';
import { completeJob, createJob, enqueueJob, type Job, startJob } from '../../../src/domain/job.js';
import { driftedResult, T0 } from './fake-driftd.js';
import { makeTestApp, type TestApp } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();
let t: TestApp;
afterEach(async () => {
  await t?.app.close();
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
