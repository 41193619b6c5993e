import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../../src/adapters/redis/redis-event-bus.js';
import type { DomainEvent } from '../../../src/domain/events.js';
import type { LeaseToken } from '../../../src/domain/ids.js';
import type { ClaimedJob } from '../../../src/ports/job-queue.port.js';
import { claimRequest, DRIFTED, IN_SYNC, repoName, startRequest } from '../../contracts/support.js';
import { redisAvailable, useRedisFixture } from './redis-fixture.js';

const { cleanups, subject } = useRedisFixture();

/** How many scripts the server has run (EVALSHA and EVAL), from INFO commandstats. */
async function scriptCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

/**
 * complete() calls issued in the same tick share `settleJobs` script calls (two halves per tick): each job is
 * still fenced and decided alone, each caller claims a different next job, and the stream holds every
 * returned event once.
 */
describe.runIf(redisAvailable)('redis complete(): calls of one tick coalesced', () => {
  it('20 concurrent completes with next claims: distinct next jobs, exact counters, events once', async () => {
    const s = await subject();
    const bus = new RedisEventBus({ redis: s.redis, prefix: s.prefix });
    cleanups.push(() => bus.close());
    const stacks = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const start = await s.tasks.start(startRequest(repoName(), stacks));
    if (start.kind !== 'started') throw new Error('expected a start');
    const returned: DomainEvent[] = [...start.events];
    await bus.publishAll(start.events);
    const first: ClaimedJob[] = [];
    for (let i = 0; i < 20; i++) first.push((await s.queue.claim(claimRequest(`w${i}`)))!);
    for (const c of first) returned.push(...c.events);
    const callsBefore = await scriptCalls(s.redis);
    const outs = await Promise.all(
      first.map((c, i) =>
        s.queue.complete(c.job.id, c.job.leaseToken, i % 2 ? DRIFTED : IN_SYNC, claimRequest(`w${i}`)),
      ),
    );
    expect(outs.every((o) => o.ok)).toBe(true);
    // One tick's 20 callers go as two settle calls (SPLIT_AT halves), not one call each.
    expect((await scriptCalls(s.redis)) - callsBefore).toBe(2);
    const nexts = outs.map((o) => o.next?.job.id);
    expect(nexts.every((id) => id !== undefined)).toBe(true);
    expect(new Set(nexts).size).toBe(20);
    for (const o of outs) {
      if (o.ok) returned.push(...o.events);
      if (o.next) returned.push(...o.next.events);
    }
    const task = (await s.tasks.get(start.task.id))!;
    expect(task.counters).toMatchObject({ total: 50, completed: 20, drifted: 10, running: 20, queued: 10 });
    expect(await s.queue.stats()).toMatchObject({ pending: 10, running: 20 });
    const stored = (await bus.readAfter(null, 1000)).map((e) => e.event);
    for (const e of returned) expect(stored).toContainEqual(e);
    expect(stored).toHaveLength(returned.length);
  });

  it('a lone complete with its next claim is one script call', async () => {
    const s = await subject();
    const start = await s.tasks.start(startRequest(repoName(), ['a', 'b', 'c']));
    if (start.kind !== 'started') throw new Error('expected a start');
    let claimed = (await s.queue.claim(claimRequest('w')))!;
    for (let i = 0; i < 2; i++) {
      const before = await scriptCalls(s.redis);
      const out = await s.queue.complete(claimed.job.id, claimed.job.leaseToken, IN_SYNC, claimRequest('w'));
      expect(await scriptCalls(s.redis)).toBe(before + 1);
      claimed = out.next!;
    }
    expect(claimed.job.stack).toBe('c');
  });

  it('a settle that ends one task and claims from another stores the events it returns, counters included', async () => {
    const s = await subject();
    const bus = new RedisEventBus({ redis: s.redis, prefix: s.prefix });
    cleanups.push(() => bus.close());
    const a = await s.tasks.start(startRequest(repoName('a'), ['x']));
    const b = await s.tasks.start(startRequest(repoName('b'), ['x', 'y']));
    if (a.kind !== 'started' || b.kind !== 'started') throw new Error('expected starts');
    const first = (await s.queue.claim(claimRequest('w')))!;
    expect(first.task.id).toBe(a.task.id);
    const since = (await bus.readAfter(null, 100)).at(-1)!.id;
    const out = await s.queue.complete(first.job.id, first.job.leaseToken, DRIFTED, claimRequest('w'));
    if (!out.ok || !out.next) throw new Error('expected a settle with a next job');
    expect(out.next.task.id).toBe(b.task.id);
    const returned = [...out.events, ...out.next.events];
    expect(returned.map((e) => e.type)).toEqual(['job.completed', 'task.finished', 'job.started']);
    const stored = (await bus.readAfter(since, 100)).map((e) => e.event);
    expect(stored).toEqual(returned);
    expect(stored.map((e) => 'counters' in e && e.counters)).toMatchObject([
      { total: 1, running: 0, completed: 1, drifted: 1 },
      { total: 1, running: 0, completed: 1, drifted: 1 },
      { total: 2, queued: 1, running: 1, completed: 0 },
    ]);
  });

  it('a stale token in the batch is refused alone; jobs of two tasks in one tick all settle', async () => {
    const s = await subject();
    const a = await s.tasks.start(startRequest(repoName('a'), ['x', 'y']));
    const b = await s.tasks.start(startRequest(repoName('b'), ['x']));
    if (a.kind !== 'started' || b.kind !== 'started') throw new Error('expected starts');
    const claimed = [
      (await s.queue.claim(claimRequest('w1')))!,
      (await s.queue.claim(claimRequest('w2')))!,
      (await s.queue.claim(claimRequest('w3')))!,
    ];
    const [c1, c2, c3] = claimed;
    const outs = await Promise.all([
      s.queue.complete(c1!.job.id, c1!.job.leaseToken, IN_SYNC),
      s.queue.complete(c2!.job.id, 'not-the-token' as LeaseToken, IN_SYNC),
      s.queue.complete(c3!.job.id, c3!.job.leaseToken, IN_SYNC),
    ]);
    expect(outs.map((o) => (o.ok ? 'ok' : o.reason))).toEqual(['ok', 'lease_lost', 'ok']);
    const again = await s.queue.complete(c2!.job.id, c2!.job.leaseToken, IN_SYNC);
    expect(again.ok && again.task.status).toBe('completed');
    expect((await s.tasks.get(b.task.id))!.status).toBe('completed');
    expect(await s.queue.stats()).toMatchObject({ pending: 0, running: 0 });
  });
});
