import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CoordinationSubject,
  claimRequest,
  eventsOfType,
  IN_SYNC,
  LONG_MS,
  type MakeCoordinationSubject,
  PAST_SHORT_MS,
  repoName,
  SHORT_MS,
  startRequest,
} from './support.js';

/**
 * The lifecycle half of the TaskStore contract: supersede, cancel, task_max_age expiry and lock
 * renewal, each atomic with the queue and the lock. Part of `describeTaskStoreContract`.
 */
export function describeTaskStoreLifecycleContract(name: string, makeSubject: MakeCoordinationSubject): void {
  describe(`TaskStore contract (lifecycle): ${name}`, () => {
    let s: CoordinationSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    async function runningTask(stacks: string[], lockTtlMs = LONG_MS) {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, stacks, { lockTtlMs }));
      if (out.kind !== 'started') throw new Error('expected start');
      return { repo, task: out.task, jobs: out.jobs };
    }

    it('conflicts without supersede; supersede cancels the old task and takes over its lock', async () => {
      const old = await runningTask(['a', 'b']);
      const claimed = await s.queue.claim(claimRequest('w-old'));
      expect(claimed?.task.id).toBe(old.task.id);
      const plain = await s.tasks.start(startRequest(old.repo, ['a']));
      expect(plain).toMatchObject({ kind: 'conflict', active: { id: old.task.id } });

      const request = startRequest(old.repo, ['a', 'b'], { supersede: true });
      const out = await s.tasks.start(request);
      if (out.kind !== 'started') throw new Error('expected start');
      expect(out.superseded).toMatchObject({
        id: old.task.id,
        status: 'canceled',
        supersededBy: request.taskId,
      });
      expect(eventsOfType(out.events, 'task.canceled')).toMatchObject([
        { taskId: old.task.id, supersededBy: request.taskId },
      ]);
      expect(eventsOfType(out.events, 'task.started')).toMatchObject([{ taskId: request.taskId }]);
      expect(await s.lock.holder(old.repo)).toBe(request.taskId);

      const job = claimed!.job;
      expect(await s.queue.renew(job.id, job.leaseToken, LONG_MS, LONG_MS)).toBe('canceled');
      const late = await s.queue.complete(job.id, job.leaseToken, IN_SYNC);
      expect(late).toMatchObject({ ok: false, reason: 'canceled' });
      const fresh = await s.tasks.get(request.taskId);
      expect(fresh?.counters).toMatchObject({ total: 2, queued: 2, running: 0, completed: 0 });
      const oldJobs = await s.tasks.listTaskJobs(old.task.id);
      expect(oldJobs.map((j) => j.status)).toEqual(['canceled', 'canceled']);
      expect((await s.tasks.get(old.task.id))?.counters).toMatchObject({ queued: 0, running: 0 });
      // Only the new task's jobs are claimable.
      const next = await s.queue.claim(claimRequest());
      expect(next?.task.id).toBe(request.taskId);
    });

    it('cancel removes pending jobs, cancels running ones and releases the lock', async () => {
      const t = await runningTask(['a', 'b', 'c']);
      const running = (await s.queue.claim(claimRequest()))!;
      const out = await s.tasks.cancel(t.task.id, 'by user');
      if (out.kind !== 'canceled') throw new Error('expected cancel');
      expect(out.task).toMatchObject({ status: 'canceled', reason: 'by user' });
      expect(out.task.counters).toMatchObject({ queued: 0, running: 0, completed: 0, failed: 0 });
      expect(eventsOfType(out.events, 'task.canceled')).toMatchObject([
        { taskId: t.task.id, reason: 'by user' },
      ]);
      expect(await s.queue.claim(claimRequest())).toBeNull();
      expect(await s.queue.stats()).toMatchObject({ pending: 0, running: 0 });
      expect(await s.queue.renew(running.job.id, running.job.leaseToken, LONG_MS, LONG_MS)).toBe('canceled');
      const failure = { kind: 'timeout', message: 'late' } as const;
      expect(await s.queue.fail(running.job.id, running.job.leaseToken, failure)).toMatchObject({
        ok: false,
      });
      expect(await s.lock.holder(t.repo)).toBeNull();
      expect(await s.tasks.getActive(t.repo)).toBeNull();
      expect(await s.tasks.cancel(t.task.id, 'again')).toMatchObject({
        kind: 'not_active',
        task: { id: t.task.id },
      });
      expect((await s.tasks.start(startRequest(t.repo, ['a']))).kind).toBe('started');
    });

    it('a finished task cannot be canceled', async () => {
      const t = await runningTask(['a']);
      const c = (await s.queue.claim(claimRequest()))!;
      await s.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC);
      expect(await s.tasks.cancel(t.task.id, 'late')).toMatchObject({
        kind: 'not_active',
        task: { status: 'completed' },
      });
    });

    it('expireTasks fails over-age tasks, cancels their jobs and frees the lock; idempotent', async () => {
      const old = await runningTask(['a', 'b']);
      const running = (await s.queue.claim(claimRequest()))!;
      await s.advance(PAST_SHORT_MS);
      const young = await runningTask(['x']);
      const out = await s.tasks.expireTasks(SHORT_MS);
      expect(out.tasks.map((t) => t.id)).toEqual([old.task.id]);
      expect(out.tasks[0]).toMatchObject({ status: 'failed' });
      expect(out.tasks[0]!.reason).toBeTruthy();
      expect(eventsOfType(out.events, 'task.finished')).toMatchObject([
        { taskId: old.task.id, status: 'failed' },
      ]);
      expect(await s.lock.holder(old.repo)).toBeNull();
      expect(await s.lock.holder(young.repo)).toBe(young.task.id);
      expect(await s.queue.renew(running.job.id, running.job.leaseToken, LONG_MS, LONG_MS)).toBe('canceled');
      const jobs = await s.tasks.listTaskJobs(old.task.id);
      expect(jobs.every((j) => j.status === 'canceled')).toBe(true);
      expect((await s.tasks.expireTasks(SHORT_MS)).tasks).toEqual([]);
      const claimable = await s.queue.claim(claimRequest());
      expect(claimable?.task.id).toBe(young.task.id);
    });

    it('renewLocks keeps the locks of live tasks alive', async () => {
      const t = await runningTask(['a'], 300);
      await s.advance(200);
      expect(await s.tasks.renewLocks(300)).toBeGreaterThanOrEqual(1);
      await s.advance(200);
      expect(await s.lock.holder(t.repo)).toBe(t.task.id);
      await s.advance(PAST_SHORT_MS);
      expect(await s.lock.holder(t.repo)).toBeNull();
    });

    it('renewLocks leaves finished tasks alone', async () => {
      const t = await runningTask(['a']);
      await s.tasks.cancel(t.task.id, 'stop');
      await s.tasks.renewLocks(LONG_MS);
      expect(await s.lock.holder(t.repo)).toBeNull();
    });
  });
}
