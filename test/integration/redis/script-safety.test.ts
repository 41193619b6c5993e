import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../../src/adapters/redis/keys.js';
import type { JobId, TaskId } from '../../../src/domain/ids.js';
import { claimRequest, IN_SYNC, repoName, startRequest } from '../../contracts/support.js';
import { redisAvailable, sleep, useRedisFixture } from './redis-fixture.js';

const { fixture, cleanups } = useRedisFixture();

async function subject() {
  const s = await fixture.coordination();
  cleanups.push(s.cleanup);
  return { ...s, keys: makeKeys(s.prefix) };
}

/**
 * The queue's invariant, read straight from Redis: a job whose status is pending is in its task's queue,
 * a running one in the lease ZSET, and no job is in a set its status does not name; a task with pending
 * jobs is in the ready index.
 */
async function expectQueueConsistent(
  redis: Redis,
  keys: ReturnType<typeof makeKeys>,
  taskId: TaskId,
  ids: JobId[],
) {
  const statuses = await redis.hmget(keys.task(taskId), ...ids.map((id) => `status@${id}`));
  const pending = new Set(await redis.zrange(keys.queue(taskId), 0, -1));
  const ready = (await redis.zscore(keys.ready, taskId)) !== null;
  expect({ taskId, ready }).toEqual({ taskId, ready: pending.size > 0 });
  const leased = new Set(await redis.zrange(keys.leases, 0, -1));
  ids.forEach((id, i) => {
    expect({ id, queued: pending.has(id) }).toEqual({ id, queued: statuses[i] === 'pending' });
    expect({ id, leased: leased.has(id) }).toEqual({ id, leased: statuses[i] === 'running' });
  });
}

describe.runIf(redisAvailable)('redis scripts: large starts and malformed records', () => {
  it('starts a task of 50,000 jobs (one atomic script), claims and completes from it, cancels it', async () => {
    const s = await subject();
    const stacks = Array.from({ length: 50_000 }, (_, i) => `envs/stack-${i}`);
    const out = await s.tasks.start(startRequest(repoName(), stacks));
    if (out.kind !== 'started') throw new Error(`expected a start, got ${out.kind}`);
    expect(out.jobs).toHaveLength(50_000);
    expect(out.task.counters).toMatchObject({ total: 50_000, queued: 50_000, running: 0 });
    expect(await s.queue.stats()).toMatchObject({ pending: 50_000, running: 0 });
    const claimed = await s.queue.claim(claimRequest());
    expect(claimed?.job.id).toBe(out.jobs[0]!.id);
    const done = await s.queue.complete(claimed!.job.id, claimed!.job.leaseToken, IN_SYNC, claimRequest());
    expect(done.ok && done.task.counters).toMatchObject({ queued: 49_999, running: 0, completed: 1 });
    expect(done.next?.job.id).toBe(out.jobs[1]!.id);
    const canceled = await s.tasks.cancel(out.task.id, 'test');
    expect(canceled.kind).toBe('canceled');
    expect(await s.queue.stats()).toMatchObject({ pending: 0, running: 0 });
  }, 120_000);

  it('a claim skips a malformed pending job: it stays queued and pending, the next job is claimed', async () => {
    const s = await subject();
    const out = await s.tasks.start(startRequest(repoName(), ['a', 'b', 'c']));
    if (out.kind !== 'started') throw new Error('expected a start');
    const ids = out.jobs.map((j) => j.id);
    const task = s.keys.task(out.task.id);
    await s.redis.hdel(task, `attempt@${ids[0]}`); // malformed: the claim's `attempt + 1` would raise
    const claimed = await s.queue.claim(claimRequest());
    expect(claimed?.job.id).toBe(ids[1]);
    await expectQueueConsistent(s.redis, s.keys, out.task.id, ids);
    // the settle-and-claim path skips it too
    const done = await s.queue.complete(ids[1]!, claimed!.job.leaseToken, IN_SYNC, claimRequest());
    expect(done.ok).toBe(true);
    expect(done.next?.job.id).toBe(ids[2]);
    await expectQueueConsistent(s.redis, s.keys, out.task.id, ids);
    expect(await s.redis.zrange(s.keys.queue(out.task.id), 0, -1)).toEqual([ids[0]]);
  });

  it('a task whose counters are malformed loses no job: claims find nothing, jobs stay queued', async () => {
    const s = await subject();
    const out = await s.tasks.start(startRequest(repoName(), ['a', 'b']));
    if (out.kind !== 'started') throw new Error('expected a start');
    const ids = out.jobs.map((j) => j.id);
    await s.redis.hdel(s.keys.task(out.task.id), 'queued'); // claim's `queued - 1` would raise after its ZREM
    expect(await s.queue.claim(claimRequest())).toBeNull();
    // counters restored, lock TTL malformed: the claim's PEXPIRE would raise after its writes
    await s.redis.hset(s.keys.task(out.task.id), 'queued', '2', 'lockTtlMs', 'not-a-number');
    expect(await s.queue.claim(claimRequest())).toBeNull();
    await expectQueueConsistent(s.redis, s.keys, out.task.id, ids);
    expect(await s.queue.stats()).toMatchObject({ pending: 2, running: 0 });
  });

  it('recovering a malformed expired lease writes nothing: the job stays running and leased', async () => {
    const s = await subject();
    const out = await s.tasks.start(startRequest(repoName(), ['a']));
    if (out.kind !== 'started') throw new Error('expected a start');
    const claimed = await s.queue.claim(claimRequest('w1', 50));
    expect(claimed).not.toBeNull();
    await s.redis.hdel(s.keys.task(out.task.id), 'maxAttempts');
    await sleep(120);
    expect((await s.queue.recoverExpired(10)).jobs).toEqual([]);
    await expectQueueConsistent(s.redis, s.keys, out.task.id, [claimed!.job.id]);
    expect(await s.redis.hget(s.keys.task(out.task.id), `status@${claimed!.job.id}`)).toBe('running');
  });
});
