import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../../src/adapters/redis/keys.js';
import type { ClaimedJob } from '../../../src/ports/job-queue.port.js';
import { claimRequest, IN_SYNC, repoName, startRequest } from '../../contracts/support.js';
import { redisAvailable, sleep, useRedisFixture } from './redis-fixture.js';

const { fixture, cleanups } = useRedisFixture();

async function subject() {
  const s = await fixture.coordination();
  cleanups.push(s.cleanup);
  return { ...s, keys: makeKeys(s.prefix) };
}

/**
 * The ready index orders tasks by their oldest pending job without an update per claim: a task keeps its
 * first job's score while its queue head is one of the jobs its start enqueued, and only then follows its
 * head. These cases pin the moments where that shortcut could reorder claims.
 */
describe.runIf(redisAvailable)('redis ready index and claim-time lock renewal', () => {
  it('a requeued job waits behind a newer task, also when settles claim it in batches', async () => {
    const s = await subject();
    const a = await s.tasks.start(startRequest(repoName('a'), ['a1', 'a2', 'a3']));
    const b = await s.tasks.start(startRequest(repoName('b'), ['b1', 'b2']));
    if (a.kind !== 'started' || b.kind !== 'started') throw new Error('expected starts');
    const first = (await s.queue.claim(claimRequest('w1')))!;
    expect(first.job.id).toBe(a.jobs[0]!.id);
    const failed = await s.queue.fail(first.job.id, first.job.leaseToken, {
      kind: 'fetch_error',
      message: 'x',
    });
    expect(failed.ok && failed.job.status).toBe('pending');
    // The index still scores task a by its first job (a2 is next): a is the head.
    expect(await s.redis.zrange(s.keys.ready, 0, -1)).toEqual([a.task.id, b.task.id]);
    // Two workers settle-and-claim at once: a2, a3, then b1, b2 (older than the requeued a1), then a1.
    let held: ClaimedJob[] = [
      (await s.queue.claim(claimRequest('w1')))!,
      (await s.queue.claim(claimRequest('w2')))!,
    ];
    const order = held.map((c) => c.job.id);
    while (held.length > 0) {
      const outs = await Promise.all(
        held.map((c) => s.queue.complete(c.job.id, c.job.leaseToken, IN_SYNC, claimRequest(c.job.workerId))),
      );
      held = outs.flatMap((o) => (o.next ? [o.next] : []));
      order.push(...held.map((c) => c.job.id));
    }
    expect(order).toEqual([a.jobs[1]!.id, a.jobs[2]!.id, b.jobs[0]!.id, b.jobs[1]!.id, a.jobs[0]!.id]);
    expect(await s.redis.zcard(s.keys.ready)).toBe(0);
    expect((await s.tasks.get(a.task.id))?.status).toBe('completed');
    expect((await s.tasks.get(b.task.id))?.status).toBe('completed');
  });

  it('claims extend the repo lock at most once per quarter of its TTL', async () => {
    const s = await subject();
    const repo = repoName();
    const out = await s.tasks.start(startRequest(repo, ['a', 'b', 'c'], { lockTtlMs: 2_000 }));
    if (out.kind !== 'started') throw new Error('expected a start');
    const lock = s.keys.lock(repo);
    await sleep(300);
    await s.queue.claim(claimRequest('w1')); // within a quarter TTL (500 ms) of the start's lock: no renewal
    expect(await s.redis.pttl(lock)).toBeLessThan(1_750);
    await sleep(300); // now past a quarter: the next claim renews
    await s.queue.claim(claimRequest('w2'));
    expect(await s.redis.pttl(lock)).toBeGreaterThan(1_800);
    expect(await s.lock.holder(repo)).toBe(out.task.id);
  });
});
