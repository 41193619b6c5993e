import { afterEach, describe, expect, it } from 'vitest';
import type { RepoName, StackPath, TaskId } from '../../src/domain/ids.js';
import type { Task } from '../../src/domain/task.js';
import { type Harness, makeHarness } from '../support/app-harness.js';
import { drifted, inSync, planFailed } from '../support/scripted-plan-runner.js';
import { testRepo } from '../support/test-config.js';

const STACKS = ['envs/dev', 'envs/prod', 'envs/qa', 'envs/staging'];
const repos = [
  testRepo('infra', { stacks: STACKS }),
  testRepo('eager', { stacks: ['a', 'b'], cancelInflightOnNewTrigger: true }),
];
const api = { kind: 'api' };

describe('a whole task on memory adapters', () => {
  let h: Harness;
  afterEach(() => h?.cleanup());

  async function setup(concurrency = 3) {
    h = await makeHarness({ repos, worker: { concurrency } });
    h.repoSource.setRepo('infra', { commit: 'c0ffee0000000000', stacks: STACKS, terragrunt: ['envs/qa'] });
    h.repoSource.setRepo('eager', { commit: 'bbbb2222', stacks: ['a', 'b'] });
    return h;
  }

  const finished = (id: TaskId) => async () => {
    const t = await h.c.taskStore.get(id);
    return t !== null && t.status !== 'running' && t.status !== 'created';
  };

  async function started(repo: string, extra: { stack?: string } = {}): Promise<Task> {
    const r = await h.c.startTask({ repo, trigger: api, ...extra });
    if (r.kind !== 'started') throw new Error(`expected started, got ${r.kind}`);
    return r.task;
  }

  it('fans out, runs jobs in parallel, retries a fetch error once and settles the counters exactly', async () => {
    const { c, runner, repoSource, events } = await setup();
    repoSource.failCheckouts('envs/prod', 1);
    runner.script('envs/dev', { outcome: drifted(), delayMs: 30 });
    runner.script('envs/qa', { outcome: inSync(), delayMs: 30 });
    runner.script('envs/staging', { outcome: inSync(), delayMs: 30 });
    const task = await started('infra');
    // A second trigger while it runs gets the active task.
    expect(await c.startTask({ repo: 'infra', trigger: api })).toMatchObject({
      kind: 'conflict',
      active: { id: task.id },
    });
    c.workerPool.start();
    await h.waitFor(finished(task.id), 'task to finish');

    const done = await c.taskStore.get(task.id);
    expect(done?.status).toBe('completed');
    expect(done?.counters).toEqual({
      total: 4,
      queued: 0,
      running: 0,
      completed: 4,
      failed: 0,
      drifted: 1,
      errored: 0,
    });
    expect(runner.maxRunning).toBeGreaterThan(1);
    const prod = await c.taskStore.getJob(`infra:envs/prod:${task.id.split(':')[1]}` as never);
    expect(prod).toMatchObject({ status: 'completed', attempt: 2, lastFailure: { kind: 'fetch_error' } });
    expect(events.filter((e) => e.type === 'job.failed')).toMatchObject([
      { failure: 'fetch_error', willRetry: true },
    ]);
    expect(events.filter((e) => e.type === 'task.finished')).toMatchObject([
      { taskId: task.id, status: 'completed' },
    ]);
    // The terragrunt stack was planned with terragrunt, the others with the repo's tool.
    expect(runner.runs.find((r) => r.stack === 'envs/qa')?.request.tool.main.name).toBe('terragrunt');
    expect(runner.runs.find((r) => r.stack === 'envs/dev')?.request).toMatchObject({
      lockState: false,
      timeoutMs: 30 * 60_000,
    });
    const latest = await c.resultStore.getLatest('infra' as RepoName, 'envs/dev' as StackPath);
    expect(latest).toMatchObject({
      taskId: task.id,
      commit: 'c0ffee0000000000',
      result: { status: 'drifted', kinds: ['drift'] },
    });
    expect(await c.resultStore.getPlanText('infra' as RepoName, 'envs/dev' as StackPath)).toContain(
      'changed outside',
    );
    expect(repoSource.open).toBe(0);
    // The repo is free again.
    expect(await c.taskStore.getActive('infra' as RepoName)).toBeNull();
    expect((await started('infra')).status).toBe('running');
  });

  it('fails the task when a job fails for good, keeping the error verdict with diagnostics', async () => {
    const { c, runner } = await setup(2);
    runner.script('envs/prod', {
      outcome: planFailed('Error: Invalid provider configuration\n\n  on main.tf line 3'),
    });
    const task = await started('infra');
    c.workerPool.start();
    await h.waitFor(finished(task.id), 'task to finish');
    const done = await c.taskStore.get(task.id);
    expect(done).toMatchObject({ status: 'failed', reason: '1 of 4 jobs failed' });
    expect(done?.counters).toEqual({
      total: 4,
      queued: 0,
      running: 0,
      completed: 3,
      failed: 1,
      drifted: 0,
      errored: 1,
    });
    expect(runner.runsOf('envs/prod')).toBe(1); // terraform errors are not retried
    const job = (await c.taskStore.listTaskJobs(task.id)).find((j) => j.stack === 'envs/prod');
    expect(job).toMatchObject({
      status: 'failed',
      failure: { kind: 'terraform_error' },
      result: { status: 'error' },
    });
    const latest = await c.resultStore.getLatest('infra' as RepoName, 'envs/prod' as StackPath);
    expect(latest?.failure).toBe('terraform_error');
    expect(latest?.result.diagnostics[0]).toMatchObject({
      severity: 'error',
      summary: 'Invalid provider configuration',
    });
  });

  it('with cancel_inflight, a new trigger cancels the running task and aborts its running job', async () => {
    const { c, runner, events } = await setup(2);
    runner.script('a', { hold: true }, { outcome: inSync() });
    runner.script('b', { hold: true }, { outcome: inSync() });
    const old = await started('eager');
    c.workerPool.start();
    await Promise.all([runner.started('a'), runner.started('b')]);
    const fresh = await started('eager');
    await h.waitFor(finished(fresh.id), 'new task to finish');
    expect(await c.taskStore.get(old.id)).toMatchObject({ status: 'canceled', supersededBy: fresh.id });
    expect(await c.taskStore.get(fresh.id)).toMatchObject({
      status: 'completed',
      counters: { completed: 2 },
    });
    expect(runner.runsOf('a')).toBe(2);
    const oldJobs = await c.taskStore.listTaskJobs(old.id);
    expect(oldJobs.map((j) => j.status)).toEqual(['canceled', 'canceled']);
    // The aborted runs are in history as canceled; the latest result is the new task's.
    const history = await c.resultStore.getHistory('eager' as RepoName, 'a' as StackPath, 10);
    expect(history).toHaveLength(2);
    expect(history.find((e) => e.taskId === old.id)).toMatchObject({ failure: 'canceled', status: 'error' });
    expect(await c.resultStore.getLatest('eager' as RepoName, 'a' as StackPath)).toMatchObject({
      taskId: fresh.id,
    });
    expect(events.some((e) => e.type === 'job.completed' && e.taskId === old.id)).toBe(false);
  });

  it('a single-stack trigger during a full scan conflicts even with cancel_inflight', async () => {
    const { c, runner } = await setup(2);
    runner.script('a', { hold: true });
    const full = await started('eager');
    c.workerPool.start();
    await runner.started('a');
    expect(await c.startTask({ repo: 'eager', trigger: { kind: 'post-apply' }, stack: 'a' })).toMatchObject({
      kind: 'conflict',
      active: { id: full.id },
    });
    runner.release('a');
    await h.waitFor(finished(full.id), 'full scan to finish');
    expect(await c.taskStore.get(full.id)).toMatchObject({ status: 'completed' });
  });
});
