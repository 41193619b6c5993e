import { afterEach, describe, expect, it } from 'vitest';
import { makeProcessJob } from '../../src/app/use-cases/process-job.js';
import { makeWorkerPool } from '../../src/app/worker/worker-pool.js';
import type { RepoName, StackPath, TaskId } from '../../src/domain/ids.js';
import type { Task } from '../../src/domain/task.js';
import { type Harness, makeHarness } from '../support/app-harness.js';
import { drifted, inSync } from '../support/scripted-plan-runner.js';
import { testRepo } from '../support/test-config.js';

const repos = [testRepo('infra', { stacks: ['app'] }), testRepo('two', { stacks: ['x', 'y'] })];
const api = { kind: 'api' };

describe('worker pool and reaper', () => {
  let h: Harness;
  afterEach(() => h?.cleanup());

  async function setup(concurrency = 1) {
    h = await makeHarness({ repos, worker: { concurrency } });
    h.repoSource.setRepo('infra', { commit: 'abc1234def', stacks: ['app'] });
    h.repoSource.setRepo('two', { commit: 'abc1234def', stacks: ['x', 'y'] });
    return h;
  }

  async function started(repo: string): Promise<Task> {
    const r = await h.c.startTask({ repo, trigger: api });
    if (r.kind !== 'started') throw new Error(`expected started, got ${r.kind}`);
    return r.task;
  }

  const status = (id: TaskId) => async () => (await h.c.taskStore.get(id))?.status;
  const isDone = (id: TaskId) => async () =>
    !['running', 'created'].includes((await status(id)()) ?? 'running');

  it('after a lost lease another worker finishes the job and the stale worker is fenced off', async () => {
    const { c, runner, clock } = await setup();
    runner.script('app', { hold: true }, { outcome: drifted() });
    const task = await started('infra');
    // Worker A: the job runs without a heartbeat (a hung process), so its lease can expire.
    const stale = await c.jobQueue.claim({
      workerId: 'A',
      token: c.ids.leaseToken(),
      leaseMs: c.lockPolicy.leaseMs,
    });
    if (!stale) throw new Error('nothing claimed');
    const staleRun = c.processJob(stale, new AbortController().signal);
    await runner.started('app');

    clock.advance(c.lockPolicy.leaseMs + 1);
    expect(await c.reaper.tick()).toMatchObject({ recovered: 1 });
    expect(await c.taskStore.getJob(stale.job.id)).toMatchObject({
      status: 'pending',
      lastFailure: { kind: 'lost_worker' },
    });

    // Worker B (a healthy process with its own runner) takes the requeued job and finishes it.
    const worker = makeWorkerPool({
      ...c,
      processJob: makeProcessJob({ ...c, planRunner: { run: async () => drifted() } }),
    });
    worker.start();
    await h.waitFor(isDone(task.id), 'task to finish');
    await worker.stop();
    expect(await c.taskStore.get(task.id)).toMatchObject({
      status: 'completed',
      counters: { completed: 1, drifted: 1 },
    });

    runner.release('app', inSync());
    expect(await staleRun).toMatchObject({ kind: 'settled', outcome: { ok: false, reason: 'lease_lost' } });
    expect(await c.taskStore.getJob(stale.job.id)).toMatchObject({
      status: 'completed',
      attempt: 2,
      result: { status: 'drifted' },
    });
  });

  it('a worker whose lease was taken over learns it from its heartbeat and stops the plan', async () => {
    const { c, runner, clock } = await setup();
    runner.script('app', { hold: true }, { outcome: inSync() });
    const task = await started('infra');
    c.workerPool.start();
    await runner.started('app');
    clock.advance(c.lockPolicy.leaseMs + 1);
    await c.reaper.tick();
    // The same pool picks the job up again (attempt 2) after its own run was aborted as lost.
    await h.waitFor(isDone(task.id), 'task to finish');
    expect(runner.runsOf('app')).toBe(2);
    expect(await c.taskStore.getJob((await c.taskStore.listTaskJobs(task.id))[0]!.id)).toMatchObject({
      status: 'completed',
      attempt: 2,
    });
  });

  it('drain hands running jobs back without counting an attempt', async () => {
    const { c, runner } = await setup(2);
    runner.script('x', { hold: true }, { outcome: inSync() });
    runner.script('y', { outcome: inSync(), delayMs: 20 });
    const task = await started('two');
    c.workerPool.start();
    await runner.started('x');
    await c.workerPool.drain(60);
    const jobs = await c.taskStore.listTaskJobs(task.id);
    expect(jobs.map((j) => [j.stack, j.status, j.attempt])).toEqual([
      ['x', 'pending', 0],
      ['y', 'completed', 1],
    ]);
    expect(c.workerPool.busy).toBe(0);
    // Nothing was recorded for the handed-back run: it will run again under the same attempt number.
    expect(await c.resultStore.getHistory('two' as RepoName, 'x' as StackPath, 10)).toEqual([]);

    const next = makeWorkerPool(c);
    next.start();
    await h.waitFor(isDone(task.id), 'task to finish');
    await next.stop();
    expect(await c.taskStore.get(task.id)).toMatchObject({ status: 'completed', counters: { completed: 2 } });
    expect(jobs[0] && (await c.taskStore.getJob(jobs[0].id))).toMatchObject({ attempt: 1 });
  });

  it('retries a timeout once, then fails the job with timeout, keeping the last good result', async () => {
    const { c, runner } = await setup();
    runner.script(
      'app',
      { outcome: drifted() },
      { outcome: { kind: 'timeout', planText: 'still planning' } },
    );
    c.workerPool.start();
    const first = await started('infra');
    await h.waitFor(isDone(first.id), 'first task');
    h.clock.advance(60_000);
    const second = await started('infra');
    await h.waitFor(isDone(second.id), 'second task');

    expect(runner.runsOf('app')).toBe(3);
    const job = (await c.taskStore.listTaskJobs(second.id))[0];
    expect(job).toMatchObject({ status: 'failed', attempt: 2, failure: { kind: 'timeout' } });
    expect(job && 'result' in job ? job.result : undefined).toBeUndefined();
    expect(await c.taskStore.get(second.id)).toMatchObject({
      status: 'failed',
      counters: { failed: 1, errored: 0 },
    });
    const latest = await c.resultStore.getLatest('infra' as RepoName, 'app' as StackPath);
    expect(latest).toMatchObject({ taskId: first.id, result: { status: 'drifted' } });
    const history = await c.resultStore.getHistory('infra' as RepoName, 'app' as StackPath, 10);
    expect(history.map((e) => e.failure ?? e.status)).toEqual(['timeout', 'timeout', 'drifted']);
    expect(history[0]?.error).toMatch(/timed out after 30m/);
  });

  it('fails a task that outlives task_max_age and keeps slots alive', async () => {
    const { c, runner, clock } = await setup();
    runner.script('app', { hold: true });
    const task = await started('infra');
    c.workerPool.start();
    await runner.started('app');
    clock.advance(c.lockPolicy.taskMaxAgeMs);
    expect(await c.reaper.tick()).toMatchObject({ expired: 1 });
    expect(await c.taskStore.get(task.id)).toMatchObject({ status: 'failed' });
    // The job's heartbeat answers 'canceled': the plan is stopped and the slot is free again.
    await h.waitFor(() => c.workerPool.busy === 0, 'the plan to be stopped');
    expect(runner.running).toBe(0);
    expect(await c.taskStore.listTaskJobs(task.id)).toMatchObject([{ status: 'canceled' }]);
  });
});
