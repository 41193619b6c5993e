import { afterAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../../src/adapters/redis/redis-event-bus.js';
import type { DomainEvent } from '../../../src/domain/events.js';
import type { ClaimedJob, SettleOutcome } from '../../../src/ports/job-queue.port.js';
import { claimRequest, DRIFTED, ERRORED, IN_SYNC, repoName, startRequest } from '../../contracts/support.js';
import { RedisFixture, redisAvailable } from './redis-fixture.js';

const fixture = new RedisFixture();
afterAll(() => fixture.stop());

/**
 * settleJobs (claims and completes) and failJob append their events to the stream in the same script; the worker still
 * publishes every returned event. The stream must hold each event exactly once, equal to the returned one.
 */
describe.runIf(redisAvailable)('redis queue events on the stream', () => {
  it('holds every event of a task once, in order, equal to what the queue returned', async () => {
    const s = await fixture.coordination();
    const bus = new RedisEventBus({ redis: s.redis, prefix: s.prefix });
    const returned: DomainEvent[] = [];
    const publish = async (events: readonly DomainEvent[]) => {
      returned.push(...events);
      await bus.publishAll(events);
    };
    const start = await s.tasks.start(
      startRequest(repoName(), ['envs/é "quoted"', 'b', 'c', 'd'], { maxAttempts: 2 }),
    );
    if (start.kind !== 'started') throw new Error('expected a start');
    await publish(start.events);
    const settled: SettleOutcome[] = [];
    let claimed: ClaimedJob | null = await s.queue.claim(claimRequest('w-1'));
    for (let i = 0; claimed; i++) {
      await publish(claimed.events);
      const { id, leaseToken } = claimed.job;
      const out =
        i === 1
          ? await s.queue.fail(
              id,
              leaseToken,
              { kind: 'fetch_error', message: 'net "down"' },
              undefined,
              claimRequest(),
            )
          : i === 2
            ? await s.queue.fail(
                id,
                leaseToken,
                { kind: 'terraform_error', message: 'x' },
                ERRORED,
                claimRequest(),
              )
            : await s.queue.complete(id, leaseToken, i === 0 ? DRIFTED : IN_SYNC, claimRequest('w-2'));
      settled.push(out);
      if (out.ok) await publish(out.events);
      claimed = out.next;
    }
    const stored = await bus.readAfter(null, 100);
    expect(stored.map((e) => e.event)).toEqual(returned);
    expect(returned.map((e) => e.type)).toEqual([
      'task.started',
      ...['job.started', 'job.completed'],
      ...['job.started', 'job.failed'],
      ...['job.started', 'job.failed'],
      ...['job.started', 'job.completed'],
      ...['job.started', 'job.completed', 'task.finished'],
    ]);
    expect(settled.every((o) => o.ok)).toBe(true);
    expect(returned.at(-1)).toMatchObject({
      type: 'task.finished',
      status: 'failed',
      reason: '1 of 4 jobs failed',
    });
    await bus.close();
    await s.cleanup();
  });

  it('a job the script returns equals the job the store reads back', async () => {
    const s = await fixture.coordination();
    const start = await s.tasks.start(startRequest(repoName(), ['a', 'b'], { maxAttempts: 3 }));
    if (start.kind !== 'started') throw new Error('expected a start');
    const a = await s.queue.claim(claimRequest('w-1'));
    expect(a?.job).toEqual(await s.tasks.getJob(a!.job.id));
    const failed = await s.queue.fail(
      a!.job.id,
      a!.job.leaseToken,
      { kind: 'fetch_error', message: 'm' },
      undefined,
      claimRequest(),
    );
    if (!failed.ok || !failed.next) throw new Error('expected a retry and a next job');
    expect(failed.job).toEqual(await s.tasks.getJob(a!.job.id));
    expect(failed.next.job).toEqual(await s.tasks.getJob(failed.next.job.id));
    const done = await s.queue.complete(
      failed.next.job.id,
      failed.next.job.leaseToken,
      DRIFTED,
      claimRequest(),
    );
    if (!done.ok || !done.next) throw new Error('expected a completion and the retried job');
    expect(done.job).toEqual(await s.tasks.getJob(failed.next.job.id));
    expect(done.task).toEqual({ ...(await s.tasks.get(start.task.id)), counters: done.task.counters });
    expect(done.next.job).toEqual(await s.tasks.getJob(a!.job.id));
    expect(done.next.job).toMatchObject({ attempt: 2, lastFailure: { kind: 'fetch_error', message: 'm' } });
    const last = await s.queue.fail(
      done.next.job.id,
      done.next.job.leaseToken,
      { kind: 'terraform_error', message: 't' },
      ERRORED,
    );
    if (!last.ok) throw new Error('expected the failure to be recorded');
    expect(last.job).toEqual(await s.tasks.getJob(a!.job.id));
    expect(last.task).toEqual(await s.tasks.get(start.task.id));
    await s.cleanup();
  });
});
