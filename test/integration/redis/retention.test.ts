import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../../src/adapters/redis/redis-event-bus.js';
import { drainResultOutbox, RedisResultOutbox } from '../../../src/adapters/redis/redis-result-outbox.js';
import { errorResult } from '../../../src/domain/drift-result.js';
import type { JobId, RepoName, StackPath, TaskId } from '../../../src/domain/ids.js';
import type { StackRun } from '../../../src/domain/stack-run.js';
import type { ResultSink } from '../../../src/ports/result-store.port.js';
import {
  claimRequest,
  DRIFTED,
  ERRORED,
  IN_SYNC,
  repoName,
  SHORT_MS,
  startRequest,
} from '../../contracts/support.js';
import { deleteKeys, keysUnder, redisAvailable, sleep, useRedisFixture } from './redis-fixture.js';

const { fixture, cleanups } = useRedisFixture();

const RETENTION_MS = 300;
const TASKS_PER_REPO = 3;

describe.runIf(redisAvailable)('redis key lifetimes', () => {
  it('after tasks end and retention passes, only bounded keys without a TTL remain', async () => {
    const s = await fixture.coordination({
      retentionMs: RETENTION_MS,
      tasksPerRepo: TASKS_PER_REPO,
      eventCapacity: 20,
    });
    cleanups.push(s.cleanup);
    const bus = new RedisEventBus({ redis: s.redis, prefix: s.prefix, capacity: 20 });
    cleanups.push(() => bus.close());
    const repo = repoName();
    // Completed (with a drifted and a terraform-error job), canceled, superseded, zero-job, expired tasks.
    for (let i = 0; i < 4; i++) {
      const out = await s.tasks.start(startRequest(repo, ['a', 'b', 'c']));
      if (out.kind !== 'started') throw new Error('expected start');
      await bus.publishAll(out.events);
      for (let c = await s.queue.claim(claimRequest()); c; ) {
        const settle =
          c.job.stack === 'b'
            ? await s.queue.fail(
                c.job.id,
                c.job.leaseToken,
                { kind: 'terraform_error', message: 'x' },
                ERRORED,
                claimRequest(),
              )
            : await s.queue.complete(
                c.job.id,
                c.job.leaseToken,
                c.job.stack === 'a' ? DRIFTED : IN_SYNC,
                claimRequest(),
              );
        if (settle.ok) await bus.publishAll(settle.events);
        c = settle.next;
      }
    }
    const canceled = await s.tasks.start(startRequest(repo, ['a']));
    if (canceled.kind === 'started') await s.tasks.cancel(canceled.task.id, 'stop');
    await s.tasks.start(startRequest(repo, ['a']));
    await s.queue.claim(claimRequest('w', SHORT_MS));
    await s.tasks.start(startRequest(repo, ['a', 'b'], { supersede: true }));
    await s.tasks.start(startRequest(repoName(), []));
    const expiring = repoName();
    await s.tasks.start(startRequest(expiring, ['x']));
    await sleep(50);
    expect((await s.tasks.expireTasks(10)).tasks.length).toBeGreaterThanOrEqual(1);
    await s.queue.recoverExpired(100);
    expect(await s.tasks.getActive(repo)).toBeNull();

    await sleep(RETENTION_MS * 2);
    const keys = await keysUnder(s.redis, s.prefix);
    const withoutTtl: string[] = [];
    for (const key of keys) if ((await s.redis.pttl(key)) === -1) withoutTtl.push(key);
    const allowed = new RegExp(`^${s.prefix}(queue:seq|events|\\{[^}]+\\}:tasks)$`);
    expect(withoutTtl.filter((k) => !allowed.test(k))).toEqual([]);
    // What remains is bounded: the index is capped and points at nothing, the stream is capped.
    expect(keys.filter((k) => k.includes(':task:'))).toEqual([]);
    expect(await s.redis.zcard(`${s.prefix}{${repo}}:tasks`)).toBeLessThanOrEqual(TASKS_PER_REPO);
    expect(await s.redis.xlen(`${s.prefix}events`)).toBeLessThanOrEqual(20);
    expect(await s.tasks.listTasks(repo, 10)).toEqual([]);
    expect(await s.redis.zcard(`${s.prefix}{${repo}}:tasks`)).toBe(0);
  });
});

function run(n: number): StackRun {
  return {
    repo: 'r' as RepoName,
    stack: `s${n}` as StackPath,
    taskId: 'r:1' as TaskId,
    jobId: `r:s${n}:1` as JobId,
    attempt: 1,
    trigger: { kind: 'api' },
    result: errorResult(`run ${n}`),
    startedAt: n,
    finishedAt: n + 1,
  };
}

describe.runIf(redisAvailable)('redis result outbox', () => {
  it('an interrupted drain loses nothing: the next drain records what was in flight', async () => {
    const redis = await fixture.client();
    const prefix = `test-${randomUUID().slice(0, 8)}:`;
    cleanups.push(async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    });
    const outbox = new RedisResultOutbox({ redis, prefix });
    for (let i = 1; i <= 10; i++) await outbox.record(run(i), `plan ${i}`);
    const recorded: string[] = [];
    let calls = 0;
    const crashing: ResultSink = {
      async record(r, planText) {
        if (++calls === 4) throw new Error('serve died mid-write');
        recorded.push(`${r.jobId}|${planText}`);
      },
    };
    await expect(drainResultOutbox(redis, crashing, { prefix })).rejects.toThrow('serve died');
    expect(recorded).toHaveLength(3);
    // A drain that died after moving an entry but before writing it leaves it in the processing list.
    await redis.lmove(`${prefix}results:outbox`, `${prefix}results:processing`, 'RIGHT', 'LEFT');
    const healthy: ResultSink = {
      async record(r, planText) {
        recorded.push(`${r.jobId}|${planText}`);
      },
    };
    expect(await drainResultOutbox(redis, healthy, { prefix })).toBe(7);
    expect(new Set(recorded)).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => `r:s${i + 1}:1|plan ${i + 1}`)),
    );
    expect(recorded).toHaveLength(10);
    expect(await redis.llen(`${prefix}results:outbox`)).toBe(0);
    expect(await redis.llen(`${prefix}results:processing`)).toBe(0);
    expect(await drainResultOutbox(redis, healthy, { prefix })).toBe(0);
  });

  it('drops an unreadable entry instead of blocking the outbox', async () => {
    const redis = await fixture.client();
    const prefix = `test-${randomUUID().slice(0, 8)}:`;
    cleanups.push(async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    });
    await redis.lpush(`${prefix}results:outbox`, '{not json');
    await new RedisResultOutbox({ redis, prefix }).record(run(1), 'p');
    const got: string[] = [];
    expect(await drainResultOutbox(redis, { record: async (r) => void got.push(r.jobId) }, { prefix })).toBe(
      1,
    );
    expect(got).toEqual(['r:s1:1']);
  });
});
