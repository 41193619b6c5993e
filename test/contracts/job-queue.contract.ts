import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDriftdError } from '../../src/domain/errors.js';
import type { DomainEvent } from '../../src/domain/events.js';
import type { LeaseToken, RepoName } from '../../src/domain/ids.js';
import type { Job } from '../../src/domain/job.js';
import type { ClaimedJob } from '../../src/ports/job-queue.port.js';
import { describeJobQueueConcurrencyContract } from './job-queue-concurrency.contract.js';
import {
  type CoordinationSubject,
  claimRequest,
  ERRORED,
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
 * The JobQueue contract: exclusivity, FIFO, lease fencing and expiry, retries, complete-and-claim-next
 * and release. Runs unchanged against the memory adapter (ManualClock) and Redis (real short TTLs).
 */
export function describeJobQueueContract(name: string, makeSubject: MakeCoordinationSubject): void {
  describe(`JobQueue contract: ${name}`, () => {
    let s: CoordinationSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    async function startWith(stacks: string[], maxAttempts = 2, repo: RepoName = repoName()) {
      const out = await s.tasks.start(startRequest(repo, stacks, { maxAttempts }));
      if (out.kind !== 'started') throw new Error('expected the task to start');
      return out;
    }

    async function mustClaim(workerId = 'w1', leaseMs = LONG_MS): Promise<ClaimedJob> {
      const claimed = await s.queue.claim(claimRequest(workerId, leaseMs));
      if (!claimed) throw new Error('expected a pending job');
      return claimed;
    }

    it('returns null when nothing is pending', async () => {
      expect(await s.queue.claim(claimRequest())).toBeNull();
    });

    it('refuses to complete a job with an error result (a programmer error: use fail)', async () => {
      await startWith(['a']);
      const c = await mustClaim();
      const error = await s.queue.complete(c.job.id, c.job.leaseToken, ERRORED).catch((e: unknown) => e);
      expect(isDriftdError(error, 'DRIFTD_INVALID_INPUT')).toBe(true);
      expect((await s.tasks.getJob(c.job.id))?.status).toBe('running');
    });

    it('claims oldest first, and a retried job goes to the back of the queue', async () => {
      const first = await startWith(['a', 'b', 'c']);
      const second = await startWith(['x']);
      const a = await mustClaim();
      expect(a.job.id).toBe(first.jobs[0]!.id);
      expect(a.job.status).toBe('running');
      expect(a.task.id).toBe(first.task.id);
      const failed = await s.queue.fail(a.job.id, a.job.leaseToken, { kind: 'fetch_error', message: 'x' });
      expect(failed.ok && failed.job.status).toBe('pending');
      const order: string[] = [];
      for (let c = await s.queue.claim(claimRequest()); c; c = await s.queue.claim(claimRequest())) {
        order.push(c.job.id);
      }
      expect(order).toEqual([first.jobs[1]!.id, first.jobs[2]!.id, second.jobs[0]!.id, a.job.id]);
    });

    it('renews a lease only for the token that holds it, and a renewed lease outlives its first deadline', async () => {
      await startWith(['a']);
      const c = await mustClaim('w1', 300);
      expect(await s.queue.renew(c.job.id, 'not-the-token' as LeaseToken, 300, LONG_MS)).toBe('lost');
      expect(await s.queue.renew('nope:.:1' as Job['id'], c.job.leaseToken, 300, LONG_MS)).toBe('lost');
      await s.advance(200);
      expect(await s.queue.renew(c.job.id, c.job.leaseToken, 300, LONG_MS)).toBe('ok');
      const renewed = await s.tasks.getJob(c.job.id);
      expect(renewed?.status === 'running' && renewed.leaseDeadline).toBeGreaterThan(c.job.leaseDeadline);
      await s.advance(200);
      expect((await s.queue.recoverExpired(10)).jobs).toEqual([]);
      expect((await s.tasks.getJob(c.job.id))?.status).toBe('running');
      const done = await s.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC);
      expect(done.ok).toBe(true);
      expect(await s.queue.renew(c.job.id, c.job.leaseToken, 300, LONG_MS)).toBe('lost');
    });

    it('renewing a lease also extends the repo lock of its task', async () => {
      const repo = repoName();
      const out = await s.tasks.start(startRequest(repo, ['a'], { lockTtlMs: SHORT_MS }));
      expect(out.kind).toBe('started');
      const c = await mustClaim();
      await s.advance(150);
      expect(await s.queue.renew(c.job.id, c.job.leaseToken, LONG_MS, 400)).toBe('ok');
      await s.advance(200);
      expect(await s.lock.holder(repo)).toBe(c.task.id);
    });

    it('does not recover a lease that has not expired', async () => {
      await startWith(['a']);
      await mustClaim('w1', LONG_MS);
      expect((await s.queue.recoverExpired(10)).jobs).toEqual([]);
      expect(await s.queue.stats()).toMatchObject({ pending: 0, running: 1 });
    });

    it('an expired lease goes back to the queue counting an attempt, then fails with lost_worker past the budget', async () => {
      const repo = repoName();
      const started = await startWith(['a'], 2, repo);
      const first = await mustClaim('w1', SHORT_MS);
      expect(first.job.attempt).toBe(1);
      await s.advance(PAST_SHORT_MS);
      const r1 = await s.queue.recoverExpired(10);
      expect(r1.jobs).toHaveLength(1);
      expect(r1.jobs[0]).toMatchObject({ id: first.job.id, status: 'pending', attempt: 1 });
      expect(r1.jobs[0]!.lastFailure?.kind).toBe('lost_worker');
      expect(eventsOfType(r1.events, 'job.failed')).toMatchObject([
        { failure: 'lost_worker', willRetry: true },
      ]);
      expect((await s.tasks.get(started.task.id))?.counters).toMatchObject({
        queued: 1,
        running: 0,
        failed: 0,
      });

      expect(first.job.lastFailure).toBeUndefined();
      const second = await mustClaim('w2', SHORT_MS);
      expect(second.job).toMatchObject({ id: first.job.id, attempt: 2, workerId: 'w2' });
      expect(second.job.lastFailure).toMatchObject({ kind: 'lost_worker' });
      await s.advance(PAST_SHORT_MS);
      const r2 = await s.queue.recoverExpired(10);
      expect(r2.jobs).toMatchObject([
        { id: first.job.id, status: 'failed', failure: { kind: 'lost_worker' } },
      ]);
      expect(eventsOfType(r2.events, 'task.finished')).toMatchObject([{ status: 'failed' }]);
      const task = await s.tasks.get(started.task.id);
      expect(task?.status).toBe('failed');
      expect(task?.counters).toMatchObject({ queued: 0, running: 0, failed: 1, errored: 0 });
      expect(await s.lock.holder(repo)).toBeNull();
    });

    it('fences off a worker whose lease was taken over', async () => {
      const started = await startWith(['a']);
      const stale = await mustClaim('stale', SHORT_MS);
      await s.advance(PAST_SHORT_MS);
      await s.queue.recoverExpired(10);
      const fresh = await mustClaim('fresh', LONG_MS);
      expect(fresh.job.id).toBe(stale.job.id);
      const token = stale.job.leaseToken;
      expect(await s.queue.renew(stale.job.id, token, LONG_MS, LONG_MS)).toBe('lost');
      expect(await s.queue.complete(stale.job.id, token, IN_SYNC)).toMatchObject({
        ok: false,
        reason: 'lease_lost',
      });
      const failure = { kind: 'terraform_error', message: 'late' } as const;
      expect(await s.queue.fail(stale.job.id, token, failure)).toMatchObject({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await s.queue.release(stale.job.id, token)).toBe(false);
      const job = await s.tasks.getJob(stale.job.id);
      expect(job).toMatchObject({ status: 'running', workerId: 'fresh', leaseToken: fresh.job.leaseToken });
      expect((await s.tasks.get(started.task.id))?.counters).toMatchObject({
        running: 1,
        completed: 0,
        failed: 0,
      });
      expect(await s.queue.complete(fresh.job.id, fresh.job.leaseToken, IN_SYNC)).toMatchObject({ ok: true });
    });

    it('retries a retryable failure while attempts remain, then fails it', async () => {
      const started = await startWith(['a'], 2);
      const c1 = await mustClaim();
      const f1 = await s.queue.fail(c1.job.id, c1.job.leaseToken, { kind: 'fetch_error', message: 'net' });
      expect(f1).toMatchObject({ ok: true, job: { status: 'pending', attempt: 1 } });
      expect(f1.ok && eventsOfType(f1.events, 'job.failed')).toMatchObject([{ willRetry: true }]);
      expect(f1.ok && f1.task.counters).toMatchObject({ queued: 1, running: 0, failed: 0 });
      const c2 = await mustClaim();
      expect(c2.job.attempt).toBe(2);
      expect(c2.job.lastFailure).toEqual({ kind: 'fetch_error', message: 'net' });
      const f2 = await s.queue.fail(c2.job.id, c2.job.leaseToken, { kind: 'fetch_error', message: 'net' });
      expect(f2).toMatchObject({ ok: true, job: { status: 'failed', failure: { kind: 'fetch_error' } } });
      expect(f2.ok && eventsOfType(f2.events, 'job.failed')).toMatchObject([{ willRetry: false }]);
      const task = await s.tasks.get(started.task.id);
      expect(task).toMatchObject({ status: 'failed', counters: { failed: 1, errored: 0, queued: 0 } });
    });

    it('fails non-retryable failures at once; terraform errors count as errored and keep their result', async () => {
      const started = await startWith(['a', 'b'], 2);
      const a = await mustClaim();
      const tf = await s.queue.fail(
        a.job.id,
        a.job.leaseToken,
        { kind: 'terraform_error', message: 'bad' },
        ERRORED,
      );
      expect(tf).toMatchObject({ ok: true, job: { status: 'failed', result: { status: 'error' } } });
      expect(tf.ok && tf.task.counters).toMatchObject({ failed: 1, errored: 1 });
      const b = await mustClaim();
      const cfg = await s.queue.fail(b.job.id, b.job.leaseToken, { kind: 'config_error', message: 'no dir' });
      expect(cfg).toMatchObject({ ok: true, job: { status: 'failed' } });
      const task = await s.tasks.get(started.task.id);
      expect(task).toMatchObject({
        status: 'failed',
        counters: { total: 2, failed: 2, errored: 1, completed: 0 },
      });
      expect(await s.queue.claim(claimRequest())).toBeNull();
    });

    it('complete and fail can claim the next job in the same step', async () => {
      const started = await startWith(['a', 'b', 'c']);
      const a = await mustClaim('w1');
      const nextB = claimRequest('w1');
      const doneA = await s.queue.complete(a.job.id, a.job.leaseToken, IN_SYNC, nextB);
      expect(doneA).toMatchObject({ ok: true, job: { status: 'completed' } });
      const b = doneA.next;
      expect(b?.job).toMatchObject({ id: started.jobs[1]!.id, status: 'running', leaseToken: nextB.token });
      const failure = { kind: 'terraform_error', message: 'bad' } as const;
      const failB = await s.queue.fail(b!.job.id, b!.job.leaseToken, failure, ERRORED, claimRequest('w1'));
      expect(failB).toMatchObject({ ok: true, job: { status: 'failed' } });
      const c = failB.next!;
      expect(c.job.id).toBe(started.jobs[2]!.id);
      const doneC = await s.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC, claimRequest('w1'));
      expect(doneC).toMatchObject({ ok: true, next: null, task: { status: 'failed' } });
      expect(doneC.ok && eventsOfType(doneC.events, 'task.finished')).toHaveLength(1);
    });

    it('a rejected settle still claims the next job when asked', async () => {
      await startWith(['a', 'b']);
      const a = await mustClaim();
      const out = await s.queue.complete(a.job.id, 'stale' as LeaseToken, IN_SYNC, claimRequest('w2'));
      expect(out).toMatchObject({ ok: false, reason: 'lease_lost' });
      expect(out.next?.job.workerId).toBe('w2');
      expect(out.next?.job.id).not.toBe(a.job.id);
      const unknown = await s.queue.complete('nope:.:1' as Job['id'], a.job.leaseToken, IN_SYNC);
      expect(unknown).toMatchObject({ ok: false, reason: 'not_found', next: null });
    });

    it('release hands a job back without counting an attempt', async () => {
      const started = await startWith(['a']);
      const c = await mustClaim('w1');
      expect(await s.queue.release(c.job.id, 'other' as LeaseToken)).toBe(false);
      expect(await s.queue.release(c.job.id, c.job.leaseToken)).toBe(true);
      expect(await s.tasks.getJob(c.job.id)).toMatchObject({ status: 'pending', attempt: 0 });
      expect((await s.tasks.get(started.task.id))?.counters).toMatchObject({ queued: 1, running: 0 });
      const again = await mustClaim('w2');
      expect(again.job).toMatchObject({ id: c.job.id, attempt: 1, workerId: 'w2' });
      expect(await s.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC)).toMatchObject({
        reason: 'lease_lost',
      });
      expect(await s.queue.release(c.job.id, c.job.leaseToken)).toBe(false);
    });

    it('recoverExpired honours its limit', async () => {
      await startWith(['a', 'b', 'c']);
      for (let i = 0; i < 3; i++) await mustClaim(`w${i}`, SHORT_MS);
      await s.advance(PAST_SHORT_MS);
      expect((await s.queue.recoverExpired(2)).jobs).toHaveLength(2);
      expect((await s.queue.recoverExpired(10)).jobs).toHaveLength(1);
      expect(await s.queue.stats()).toMatchObject({ pending: 3, running: 0 });
    });

    it('reports queue stats', async () => {
      expect(await s.queue.stats()).toEqual({ pending: 0, running: 0, oldestPendingAgeMs: 0 });
      await startWith(['a', 'b', 'c']);
      await mustClaim();
      await s.advance(100);
      const stats = await s.queue.stats();
      expect(stats).toMatchObject({ pending: 2, running: 1 });
      expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(50);
    });

    it('a claim returns the task as moved by the claim, with a job.started event', async () => {
      await startWith(['a', 'b']);
      const c = await mustClaim();
      expect(c.task.counters).toMatchObject({ total: 2, running: 1, queued: 1 });
      const started = eventsOfType(c.events as DomainEvent[], 'job.started');
      expect(started).toMatchObject([{ jobId: c.job.id, attempt: 1, workerId: 'w1' }]);
      // Counters on job events are optional; when an adapter attaches them they must be the new ones.
      if (started[0]!.counters) expect(started[0]!.counters).toEqual(c.task.counters);
    });
  });

  describeJobQueueConcurrencyContract(name, makeSubject);
}
