import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.js';
import {
  createMemoryCoordination,
  type MemoryCoordination,
} from '../../../src/adapters/memory/memory-coordination.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import { DAY, JOB_RETENTION_MS } from '../../../src/domain/lock-policy.js';
import { claimRequest, IN_SYNC, repoName, startRequest } from '../../contracts/support.js';

/** Memory-only behaviour the shared contracts cannot demand of Redis (which expires records natively). */
describe('memory coordination specifics', () => {
  let clock: ManualClock;
  let m: MemoryCoordination;
  beforeEach(() => {
    clock = new ManualClock();
    m = createMemoryCoordination(clock);
  });

  it('purgeFinished removes ended tasks and their jobs past retention, and nothing else', async () => {
    const repo = repoName();
    const done = startRequest(repo, ['a', 'b']);
    await m.tasks.start(done);
    await m.tasks.cancel(done.taskId, 'stop');
    clock.advance(3 * DAY);
    const recent = startRequest(repo, ['c']);
    await m.tasks.start(recent);
    const c = (await m.queue.claim(claimRequest()))!;
    await m.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC);
    const live = startRequest(repo, ['d']);
    await m.tasks.start(live);
    clock.advance(JOB_RETENTION_MS - 2 * DAY);

    expect(await m.tasks.purgeFinished(JOB_RETENTION_MS)).toBe(3);
    expect(await m.tasks.get(done.taskId)).toBeNull();
    expect(await m.tasks.getJob(done.jobs[0]!.id)).toBeNull();
    expect((await m.tasks.listTasks(repo, 10)).map((t) => t.id)).toEqual([live.taskId, recent.taskId]);
    expect(await m.tasks.purgeFinished(JOB_RETENTION_MS)).toBe(0);
    clock.advance(3 * DAY);
    expect(await m.tasks.purgeFinished(JOB_RETENTION_MS)).toBe(2);
    expect((await m.tasks.listTasks(repo, 10)).map((t) => t.id)).toEqual([live.taskId]);
    expect(await m.tasks.listTaskJobs(live.taskId)).toHaveLength(1);
  });

  it('hands out frozen values and fresh arrays', async () => {
    const request = startRequest(repoName(), ['a', 'b']);
    const out = await m.tasks.start(request);
    if (out.kind !== 'started') throw new Error('expected start');
    expect(Object.isFrozen(out.task)).toBe(true);
    expect(Object.isFrozen(out.task.counters)).toBe(true);
    expect(Object.isFrozen(out.jobs[0])).toBe(true);
    const jobs = await m.tasks.listTaskJobs(request.taskId);
    jobs.pop();
    expect(await m.tasks.listTaskJobs(request.taskId)).toHaveLength(2);
    const claimed = (await m.queue.claim(claimRequest()))!;
    expect(Object.isFrozen(claimed.job)).toBe(true);
    expect(() => {
      (claimed.task as { status: string }).status = 'completed';
    }).toThrow(TypeError);
    expect((await m.tasks.get(request.taskId))?.status).toBe('running');
  });

  it('refuses a start whose job ids repeat, without writing anything', async () => {
    const repo = repoName();
    const request = startRequest(repo, ['a']);
    const bad = { ...request, jobs: [request.jobs[0]!, request.jobs[0]!] };
    const error = await m.tasks.start(bad).catch((e: unknown) => e);
    expect(isDriftdError(error, 'DRIFTD_INVALID_INPUT')).toBe(true);
    expect(await m.tasks.get(request.taskId)).toBeNull();
    expect(await m.lock.holder(repo)).toBeNull();
    expect((await m.tasks.start(request)).kind).toBe('started');
  });

  it('a lease past its deadline still settles until the reaper takes it back', async () => {
    await m.tasks.start(startRequest(repoName(), ['a']));
    const c = (await m.queue.claim(claimRequest('w1', 100)))!;
    clock.advance(500);
    expect(await m.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC)).toMatchObject({ ok: true });
    expect((await m.queue.recoverExpired(10)).jobs).toEqual([]);
  });

  it('job events carry the counters after the move', async () => {
    await m.tasks.start(startRequest(repoName(), ['a', 'b']));
    const c = (await m.queue.claim(claimRequest()))!;
    expect(c.events[0]).toMatchObject({ type: 'job.started', counters: { running: 1, queued: 1 } });
    const out = await m.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC);
    expect(out.ok && out.events[0]).toMatchObject({
      type: 'job.completed',
      counters: { completed: 1, running: 0 },
    });
  });

  it('waitForWork wakes every waiting worker on new work', async () => {
    const waits = [m.queue.waitForWork(60_000), m.queue.waitForWork(60_000), m.queue.waitForWork(60_000)];
    await m.tasks.start(startRequest(repoName(), ['a']));
    await Promise.all(waits);
  });
});
