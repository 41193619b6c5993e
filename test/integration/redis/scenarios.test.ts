import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LeaseToken } from '../../../src/domain/ids.js';
import {
  claimRequest,
  IN_SYNC,
  LONG_MS,
  repoName,
  stackNames,
  startRequest,
} from '../../contracts/support.js';
import { redisAvailable, sleep, useRedisFixture } from './redis-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-processes.js';

const { fixture, cleanups, subject } = useRedisFixture();

describe.runIf(redisAvailable)('redis coordination under races and crashes', () => {
  it('100 concurrent starts for one repo create exactly one task; the 99 others get it back', async () => {
    const subjects = await Promise.all([subject(), subject(), subject(), subject()]);
    const prefix = subjects[0]!.prefix;
    const others = await Promise.all(
      subjects.slice(1).map(async () => {
        const { createRedisCoordination } = await import('../../../src/adapters/redis/redis-coordination.js');
        const redis = await fixture.client();
        cleanups.push(async () => redis.disconnect());
        return createRedisCoordination({ redis, prefix });
      }),
    );
    const stores = [subjects[0]!.tasks, ...others.map((o) => o.tasks)];
    const repo = repoName();
    const requests = Array.from({ length: 100 }, () => startRequest(repo, ['a', 'b', 'c']));
    const outs = await Promise.all(requests.map((r, i) => stores[i % stores.length]!.start(r)));
    const started = outs.filter((o) => o.kind === 'started');
    expect(started).toHaveLength(1);
    const winner = started[0]!.task.id;
    const conflicts = outs.filter((o) => o.kind === 'conflict');
    expect(conflicts).toHaveLength(99);
    for (const c of conflicts) expect(c.kind === 'conflict' && c.active.id).toBe(winner);
    const s = subjects[0]!;
    expect(await s.queue.stats()).toMatchObject({ pending: 3, running: 0 });
    expect(await s.tasks.listTasks(repo, 200)).toHaveLength(1);
    const taskKeys = await s.redis.keys(`${prefix}{${repo}}:task:*`);
    expect(taskKeys).toHaveLength(1);
  });

  it('two workers racing for one lease never both get it; a stale worker cannot complete', async () => {
    const a = await subject();
    const b = await fixture.coordination();
    cleanups.push(b.cleanup);
    const { createRedisCoordination } = await import('../../../src/adapters/redis/redis-coordination.js');
    const other = createRedisCoordination({ redis: b.redis, prefix: a.prefix });
    for (let round = 0; round < 30; round++) {
      await a.tasks.start(startRequest(repoName(), ['only']));
      const [x, y] = await Promise.all([
        a.queue.claim(claimRequest('a')),
        other.queue.claim(claimRequest('b')),
      ]);
      expect([x, y].filter((c) => c !== null)).toHaveLength(1);
      const won = (x ?? y)!;
      const q = x ? a.queue : other.queue;
      expect(await q.complete(won.job.id, won.job.leaseToken, IN_SYNC)).toMatchObject({ ok: true });
    }
    const out = await a.tasks.start(startRequest(repoName(), ['a']));
    if (out.kind !== 'started') throw new Error('expected start');
    const stale = (await a.queue.claim(claimRequest('stale', 200)))!;
    await sleep(400);
    expect((await other.queue.recoverExpired(10)).jobs).toHaveLength(1);
    const fresh = (await other.queue.claim(claimRequest('fresh', LONG_MS)))!;
    expect(fresh.job.id).toBe(stale.job.id);
    expect(await a.queue.complete(stale.job.id, stale.job.leaseToken, IN_SYNC)).toMatchObject({
      ok: false,
      reason: 'lease_lost',
    });
    expect(await other.queue.complete(fresh.job.id, fresh.job.leaseToken, IN_SYNC)).toMatchObject({
      ok: true,
    });
    expect((await a.tasks.get(out.task.id))?.counters).toMatchObject({ completed: 1, failed: 0, running: 0 });
  });

  it('a worker process killed with SIGKILL mid-job: a second worker finishes it, counters exact', async () => {
    const s = await subject();
    const { url } = await fixture.handle();
    const out = await s.tasks.start(startRequest(repoName(), stackNames(4), { maxAttempts: 2 }));
    if (out.kind !== 'started') throw new Error('expected start');
    const env = { REDIS_URL: url, PREFIX: s.prefix, TASK_ID: out.task.id, LEASE_MS: '1000', RENEW_MS: '250' };
    const doomed = startWorkerProcess({ ...env, WORKER_ID: 'doomed', WORK_MS: '60000' });
    const workers: WorkerProcess[] = [doomed];
    cleanups.push(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
    });
    const line = await doomed.waitFor(/^claimed /);
    const killedJob = line.split(' ')[1]!;
    await sleep(700); // a few renewals: the lease outlives its first deadline while the worker lives
    expect((await s.queue.recoverExpired(10)).jobs).toEqual([]);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const t0 = Date.now();
    let recovered = 0;
    while (recovered === 0) {
      recovered = (await s.queue.recoverExpired(10)).jobs.length;
      if (Date.now() - t0 > 5_000) throw new Error('the dead worker lease was never recovered');
      await sleep(100);
    }
    const rescuer = startWorkerProcess({ ...env, WORKER_ID: 'rescuer', WORK_MS: '30' });
    workers.push(rescuer);
    await rescuer.waitFor(/^done$/);
    expect((await rescuer.exited).code).toBe(0);
    const task = await s.tasks.get(out.task.id);
    expect(task?.status).toBe('completed');
    expect(task?.counters).toEqual({
      total: 4,
      queued: 0,
      running: 0,
      completed: 4,
      failed: 0,
      drifted: 0,
      errored: 0,
    });
    const job = await s.tasks.getJob(killedJob as (typeof out.jobs)[number]['id']);
    expect(job).toMatchObject({ status: 'completed', attempt: 2, lastFailure: { kind: 'lost_worker' } });
    expect(rescuer.lines.filter((l) => l.startsWith('completed '))).toHaveLength(4);
  });

  it('Redis restarted during a task: worker processes reconnect and the task completes', async () => {
    const s = await subject();
    const server = await fixture.handle();
    const out = await s.tasks.start(startRequest(repoName(), stackNames(30), { maxAttempts: 2 }));
    if (out.kind !== 'started') throw new Error('expected start');
    const env = {
      REDIS_URL: server.url,
      PREFIX: s.prefix,
      TASK_ID: out.task.id,
      LEASE_MS: '1500',
      RENEW_MS: '300',
    };
    const workers = [1, 2].map((i) => startWorkerProcess({ ...env, WORKER_ID: `w${i}`, WORK_MS: '100' }));
    cleanups.push(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
    });
    await Promise.all(workers.map((w) => w.waitFor(/^completed /)));
    const doneBefore = workers.flatMap((w) => w.lines).filter((l) => l.startsWith('completed ')).length;
    await server.restart({ downMs: 700 });
    const t0 = Date.now();
    let task = await s.tasks.get(out.task.id).catch(() => null);
    while (!task || task.status === 'running') {
      if (Date.now() - t0 > 60_000) throw new Error(`task did not end: ${JSON.stringify(task)}`);
      await s.queue.recoverExpired(100).catch(() => null);
      await sleep(200);
      task = await s.tasks.get(out.task.id).catch(() => null);
    }
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    // The workers saw the outage (logged, not crashed) and went on working after it.
    expect(workers.some((w) => w.stderr.join('').includes('redis error'))).toBe(true);
    const doneAfter = workers.flatMap((w) => w.lines).filter((l) => l.startsWith('completed ')).length;
    expect(doneAfter).toBeGreaterThan(doneBefore);
    expect(['completed', 'failed']).toContain(task.status);
    if (task.status === 'failed') expect(task.reason).toBeTruthy();
    const c = task.counters;
    expect(c.completed + c.failed).toBe(30);
    expect(c).toMatchObject({ total: 30, queued: 0, running: 0 });
    const jobs = await s.tasks.listTaskJobs(out.task.id);
    expect(jobs.filter((j) => j.status === 'completed')).toHaveLength(c.completed);
  });

  it('a lease that no longer exists cannot be renewed or released (unknown token)', async () => {
    const s = await subject();
    await s.tasks.start(startRequest(repoName(), ['a']));
    const c = (await s.queue.claim(claimRequest()))!;
    const forged = randomUUID() as LeaseToken;
    expect(await s.queue.renew(c.job.id, forged, LONG_MS, LONG_MS)).toBe('lost');
    expect(await s.queue.release(c.job.id, forged)).toBe(false);
    expect(await s.queue.renew(c.job.id, c.job.leaseToken, LONG_MS, LONG_MS)).toBe('ok');
  });
});
