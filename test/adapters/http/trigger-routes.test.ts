import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTaskId, type RepoName } from '../../../src/domain/ids.js';
import { createTask, startTask, type Task } from '../../../src/domain/task.js';
import { T0 } from './fake-driftd.js';
import { makeTestApp, seededFake, type TestApp } from './support.js';

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
