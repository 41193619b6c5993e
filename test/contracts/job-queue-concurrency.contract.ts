import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/domain/events.js';
import type { JobResultSummary } from '../../src/domain/job.js';
import {
  type CoordinationSubject,
  claimRequest,
  DRIFTED,
  eventsOfType,
  IN_SYNC,
  type MakeCoordinationSubject,
  PAST_SHORT_MS,
  repoName,
  SHORT_MS,
  stackNames,
  startRequest,
} from './support.js';

/**
 * The concurrent half of the JobQueue contract: many claimers, many settlers and many reapers at once.
 * Part of `describeJobQueueContract`, which calls it.
 */
export function describeJobQueueConcurrencyContract(
  name: string,
  makeSubject: MakeCoordinationSubject,
): void {
  describe(`JobQueue contract (concurrency): ${name}`, () => {
    let s: CoordinationSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('hands each pending job to exactly one of many concurrent claimers', async () => {
      const out = await s.tasks.start(startRequest(repoName(), stackNames(10)));
      expect(out.kind).toBe('started');
      const requests = Array.from({ length: 20 }, (_, i) => claimRequest(`w${i}`));
      const claims = await Promise.all(requests.map((r) => s.queue.claim(r)));
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(10);
      expect(new Set(won.map((c) => c.job.id)).size).toBe(10);
      for (const c of won) {
        const request = requests.find((r) => r.workerId === c.job.workerId)!;
        expect(c.job.leaseToken).toBe(request.token);
      }
      expect(await s.queue.stats()).toMatchObject({ pending: 0, running: 10 });
      const task = out.kind === 'started' ? await s.tasks.get(out.task.id) : null;
      expect(task?.counters).toMatchObject({ total: 10, queued: 0, running: 10 });
    });

    /** Runs `workers` loops that claim and settle until the queue is empty; returns every event. */
    async function drain(workers: number, settle: (index: number) => JobResultSummary | 'fail') {
      const events: DomainEvent[] = [];
      let settled = 0;
      const loop = async (w: number) => {
        for (
          let c = await s.queue.claim(claimRequest(`w${w}`));
          c;
          c = await s.queue.claim(claimRequest(`w${w}`))
        ) {
          events.push(...c.events);
          const how = settle(settled++);
          const out =
            how === 'fail'
              ? await s.queue.fail(c.job.id, c.job.leaseToken, { kind: 'config_error', message: 'bad pin' })
              : await s.queue.complete(c.job.id, c.job.leaseToken, how);
          expect(out.ok).toBe(true);
          if (out.ok) events.push(...out.events);
        }
      };
      await Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
      return events;
    }

    it('keeps counters exact under concurrent completions and finishes the task exactly once', async () => {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, stackNames(50)));
      if (out.kind !== 'started') throw new Error('expected start');
      const events = await drain(5, (i) => (i % 5 === 0 ? DRIFTED : IN_SYNC));
      const task = await s.tasks.get(out.task.id);
      expect(task?.status).toBe('completed');
      expect(task?.counters).toEqual({
        total: 50,
        queued: 0,
        running: 0,
        completed: 50,
        failed: 0,
        drifted: 10,
        errored: 0,
      });
      expect(eventsOfType(events, 'task.finished')).toMatchObject([
        { taskId: out.task.id, status: 'completed' },
      ]);
      expect(eventsOfType(events, 'job.completed')).toHaveLength(50);
      const jobs = await s.tasks.listTaskJobs(out.task.id);
      expect(jobs.every((j) => j.status === 'completed')).toBe(true);
      expect(await s.lock.holder(repo)).toBeNull();
      expect(await s.tasks.getActive(repo)).toBeNull();
    });

    it('finishes a task failed, once, when any of its jobs failed', async () => {
      const out = await s.tasks.start(startRequest(repoName(), stackNames(20)));
      if (out.kind !== 'started') throw new Error('expected start');
      const events = await drain(4, (i) => (i === 7 ? 'fail' : IN_SYNC));
      const task = await s.tasks.get(out.task.id);
      expect(task).toMatchObject({
        status: 'failed',
        counters: { completed: 19, failed: 1, queued: 0, running: 0 },
      });
      expect(eventsOfType(events, 'task.finished')).toMatchObject([{ status: 'failed' }]);
    });

    it('never duplicates a job when several processes recover expired leases at once', async () => {
      const out = await s.tasks.start(startRequest(repoName(), stackNames(5)));
      expect(out.kind).toBe('started');
      for (let i = 0; i < 5; i++) expect(await s.queue.claim(claimRequest(`w${i}`, SHORT_MS))).not.toBeNull();
      await s.advance(PAST_SHORT_MS);
      const recovered = await Promise.all(Array.from({ length: 4 }, () => s.queue.recoverExpired(100)));
      const ids = recovered.flatMap((r) => r.jobs.map((j) => j.id));
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
      expect(await s.queue.stats()).toMatchObject({ pending: 5, running: 0 });
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.queue.claim(claimRequest(`n${i}`))),
      );
      const won = claims.filter((c) => c !== null);
      expect(new Set(won.map((c) => c.job.id)).size).toBe(5);
      expect(won).toHaveLength(5);
    });

    it('waitForWork resolves after its timeout when nothing is pending', async () => {
      const t0 = Date.now();
      await s.queue.waitForWork(60);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(40);
      expect(elapsed).toBeLessThan(3_000);
    });

    it('waitForWork wakes up when a job becomes pending', async () => {
      const t0 = Date.now();
      const waiting = s.queue.waitForWork(10_000);
      setTimeout(() => void s.tasks.start(startRequest(repoName(), ['a'])), 30);
      await waiting;
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(await s.queue.claim(claimRequest())).not.toBeNull();
    });

    it('waitForWork returns at once when work is pending, and when its signal aborts', async () => {
      const controller = new AbortController();
      const t0 = Date.now();
      const waiting = s.queue.waitForWork(10_000, controller.signal);
      setTimeout(() => controller.abort(), 20);
      await waiting;
      expect(Date.now() - t0).toBeLessThan(5_000);
      await s.tasks.start(startRequest(repoName(), ['a']));
      const t1 = Date.now();
      await s.queue.waitForWork(10_000);
      expect(Date.now() - t1).toBeLessThan(5_000);
    });
  });
}
