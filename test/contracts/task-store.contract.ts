import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobId, StackPath, TaskId } from '../../src/domain/ids.js';
import {
  type CoordinationSubject,
  claimRequest,
  eventsOfType,
  IN_SYNC,
  LONG_MS,
  type MakeCoordinationSubject,
  nextTaskTimestamp,
  PAST_SHORT_MS,
  repoName,
  SHORT_MS,
  startRequest,
} from './support.js';
import { describeTaskStoreLifecycleContract } from './task-store-lifecycle.contract.js';

/**
 * The TaskStore contract: the atomic start (one active task per repo, idempotent per task id), reads,
 * and (in the lifecycle part) supersede, cancel, expiry, lock renewal and purging. Runs unchanged
 * against the memory adapter and Redis.
 */
export function describeTaskStoreContract(name: string, makeSubject: MakeCoordinationSubject): void {
  describe(`TaskStore contract: ${name}`, () => {
    let s: CoordinationSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('starts a task: running, its jobs pending in stack order, the lock held by the task', async () => {
      const repo = repoName();
      const request = startRequest(repo, ['envs/prod', 'envs/dev', '.'], {
        commit: 'abc123',
        maxAttempts: 2,
      });
      const out = await s.tasks.start(request);
      if (out.kind !== 'started') throw new Error('expected start');
      expect(out.task).toMatchObject({ id: request.taskId, repo, status: 'running', commit: 'abc123' });
      expect(out.task.trigger).toEqual(request.trigger);
      expect(out.task.counters).toEqual({
        total: 3,
        queued: 3,
        running: 0,
        completed: 0,
        failed: 0,
        drifted: 0,
        errored: 0,
      });
      expect(out.superseded).toBeUndefined();
      expect(out.jobs.map((j) => [j.id, j.stack, j.status, j.attempt, j.maxAttempts])).toEqual(
        request.jobs.map((j) => [j.id, j.stack, 'pending', 0, 2]),
      );
      expect(eventsOfType(out.events, 'task.started')).toMatchObject([{ taskId: request.taskId, total: 3 }]);
      expect(await s.lock.holder(repo)).toBe(request.taskId);
      expect(await s.tasks.get(request.taskId)).toEqual(out.task);
      expect(await s.tasks.getActive(repo)).toEqual(out.task);
      expect(await s.tasks.listTaskJobs(request.taskId)).toEqual(out.jobs);
      expect(await s.tasks.getJob(request.jobs[1]!.id)).toEqual(out.jobs[1]);
      expect(await s.queue.stats()).toMatchObject({ pending: 3, running: 0 });
    });

    it('keeps the stack of a single-stack task', async () => {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, ['envs/prod'], { stack: 'envs/prod' as StackPath }));
      expect(out.kind === 'started' && out.task.stack).toBe('envs/prod');
    });

    it('returns null or empty for unknown ids and repos', async () => {
      const repo = repoName();
      expect(await s.tasks.get(`${repo}:1` as TaskId)).toBeNull();
      expect(await s.tasks.getActive(repo)).toBeNull();
      expect(await s.tasks.listTasks(repo, 10)).toEqual([]);
      expect(await s.tasks.getJob(`${repo}:.:1` as JobId)).toBeNull();
      expect(await s.tasks.listTaskJobs(`${repo}:1` as TaskId)).toEqual([]);
      expect(await s.tasks.listRepoJobs(repo, 10)).toEqual([]);
      expect(await s.tasks.cancel(`${repo}:1` as TaskId, 'x')).toEqual({ kind: 'not_found' });
    });

    it('is idempotent per task id: a second start of the same id is a conflict and queues nothing', async () => {
      const request = startRequest(repoName(), ['a', 'b']);
      expect((await s.tasks.start(request)).kind).toBe('started');
      const again = await s.tasks.start(request);
      expect(again).toMatchObject({ kind: 'conflict', active: { id: request.taskId } });
      const again2 = await s.tasks.start({ ...request, supersede: true });
      expect(again2.kind).toBe('conflict');
      expect(await s.queue.stats()).toMatchObject({ pending: 2 });
      const ids = [];
      for (let c = await s.queue.claim(claimRequest()); c; c = await s.queue.claim(claimRequest()))
        ids.push(c.job.id);
      expect(ids.sort()).toEqual(request.jobs.map((j) => j.id).sort());
    });

    it('allows one active task per repo, also under concurrent starts', async () => {
      const repo = repoName();
      const requests = Array.from({ length: 6 }, () => startRequest(repo, ['a', 'b']));
      const outs = await Promise.all(requests.map((r) => s.tasks.start(r)));
      const started = outs.filter((o) => o.kind === 'started');
      expect(started).toHaveLength(1);
      const winner = started[0]!.task.id;
      for (const o of outs) if (o.kind === 'conflict') expect(o.active.id).toBe(winner);
      expect(await s.lock.holder(repo)).toBe(winner);
      expect(await s.queue.stats()).toMatchObject({ pending: 2 });
      const other = await s.tasks.start(startRequest(repoName(), ['a']));
      expect(other.kind).toBe('started');
    });

    it('a finished task frees the repo for the next start', async () => {
      const repo = repoName();
      const first = await s.tasks.start(startRequest(repo, ['a']));
      expect(first.kind).toBe('started');
      const c = await s.queue.claim(claimRequest());
      await s.queue.complete(c!.job.id, c!.job.leaseToken, IN_SYNC);
      expect(await s.tasks.getActive(repo)).toBeNull();
      expect(await s.lock.holder(repo)).toBeNull();
      const second = await s.tasks.start(startRequest(repo, ['a']));
      expect(second.kind).toBe('started');
    });

    it('a task with zero stacks starts and finishes at once without keeping the lock', async () => {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, []));
      if (out.kind !== 'started') throw new Error('expected start');
      expect(out.task.status).toBe('completed');
      expect(out.jobs).toEqual([]);
      expect(out.events.map((e) => e.type)).toEqual(['task.started', 'task.finished']);
      expect(await s.lock.holder(repo)).toBeNull();
      expect(await s.tasks.getActive(repo)).toBeNull();
      expect((await s.tasks.get(out.task.id))?.status).toBe('completed');
    });

    it('starts over a live task whose repo lock expired', async () => {
      const repo = repoName();
      const old = await s.tasks.start(startRequest(repo, ['a'], { lockTtlMs: SHORT_MS }));
      expect(old.kind).toBe('started');
      await s.advance(PAST_SHORT_MS);
      const next = await s.tasks.start(startRequest(repo, ['a']));
      if (next.kind !== 'started' || old.kind !== 'started') throw new Error('expected start');
      expect((await s.tasks.getActive(repo))?.id).toBe(next.task.id);
      expect((await s.tasks.get(old.task.id))?.status).not.toMatch(/^(created|running)$/);
      expect(await s.lock.holder(repo)).toBe(next.task.id);
      expect(await s.queue.stats()).toMatchObject({ pending: 1 });
    });

    it('lists tasks and jobs of a repo newest first, with limits', async () => {
      const repo = repoName();
      const t1 = startRequest(repo, ['a', 'b'], { timestamp: nextTaskTimestamp() });
      await s.tasks.start(t1);
      await s.tasks.cancel(t1.taskId, 'next');
      await s.advance(5);
      const t2 = startRequest(repo, ['c'], { timestamp: nextTaskTimestamp() });
      await s.tasks.start(t2);
      expect((await s.tasks.listTasks(repo, 10)).map((t) => t.id)).toEqual([t2.taskId, t1.taskId]);
      expect((await s.tasks.listTasks(repo, 1)).map((t) => t.id)).toEqual([t2.taskId]);
      const jobs = await s.tasks.listRepoJobs(repo, 10);
      expect(jobs).toHaveLength(3);
      expect(jobs[0]!.id).toBe(t2.jobs[0]!.id);
      expect(new Set(jobs.slice(1).map((j) => j.id))).toEqual(new Set(t1.jobs.map((j) => j.id)));
      expect(await s.tasks.listRepoJobs(repo, 2)).toHaveLength(2);
    });

    it('purgeFinished never removes live tasks or their jobs', async () => {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, ['a'], { lockTtlMs: LONG_MS }));
      if (out.kind !== 'started') throw new Error('expected start');
      await s.advance(50);
      await s.tasks.purgeFinished(0);
      expect((await s.tasks.get(out.task.id))?.status).toBe('running');
      expect(await s.tasks.listTaskJobs(out.task.id)).toHaveLength(1);
      expect(await s.queue.claim(claimRequest())).not.toBeNull();
    });
  });

  describeTaskStoreLifecycleContract(name, makeSubject);
}
