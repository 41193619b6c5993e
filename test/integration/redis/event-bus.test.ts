import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../../../src/adapters/redis/keys.js';
import { compareStreamIds, RedisEventBus } from '../../../src/adapters/redis/redis-event-bus.js';
import type { DomainEvent } from '../../../src/domain/events.js';
import type { RepoName, TaskId } from '../../../src/domain/ids.js';
import { describeEventBusContract } from '../../contracts/event-bus.contract.js';
import { eventually } from '../../contracts/support.js';
import { deleteKeys, RedisFixture, redisAvailable, sleep } from './redis-fixture.js';

const fixture = new RedisFixture();
afterAll(() => fixture.stop());

async function makeBus(capacity: number) {
  const redis = await fixture.client();
  const prefix = `test-${randomUUID().slice(0, 8)}:`;
  const bus = new RedisEventBus({ redis, prefix, capacity, blockMs: 200 });
  return {
    bus,
    redis,
    prefix,
    backlog: capacity,
    advance: sleep,
    cleanup: async () => {
      await bus.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

const started = (n: number): DomainEvent => ({
  type: 'task.started',
  taskId: `r:${n}` as TaskId,
  repo: 'r' as RepoName,
  total: n,
  trigger: 'api',
  occurredAt: n,
});

describe.runIf(redisAvailable)('redis event bus', () => {
  describeEventBusContract('redis', () => makeBus(50));

  it('delivers events published by another process (another client on the same stream)', async () => {
    const s = await makeBus(100);
    const other = new RedisEventBus({ redis: await fixture.client(), prefix: s.prefix });
    const seen: DomainEvent[] = [];
    const off = s.bus.subscribe((e) => seen.push(e.event));
    await sleep(50);
    await other.publishAll([started(1), started(2)]);
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([started(1), started(2)]);
    off();
    await other.close();
    await s.cleanup();
  });

  it('resumes from the oldest event for an id of a stream that was lost (newer than anything stored)', async () => {
    const s = await makeBus(100);
    await s.bus.publishAll([started(1), started(2)]);
    const all = await s.bus.readAfter('99999999999999-0', 10);
    expect(all.map((e) => e.event)).toEqual([started(1), started(2)]);
    await s.cleanup();
  });

  it('reads a multi-event entry (what a settle script writes) as events in order, resumable inside it', async () => {
    const s = await makeBus(100);
    const seen: DomainEvent[] = [];
    const off = s.bus.subscribe((e) => seen.push(e.event));
    await sleep(50);
    const key = makeKeys(s.prefix).events;
    await s.bus.publish(started(1));
    await s.redis.xadd(key, '*', 'b', JSON.stringify([started(2), started(3), started(4)]));
    await s.bus.publish(started(5));
    const all = await s.bus.readAfter(null, 100);
    expect(all.map((e) => e.event)).toEqual([1, 2, 3, 4, 5].map(started));
    expect(new Set(all.map((e) => e.id)).size).toBe(5);
    for (let i = 1; i < all.length; i++) expect(compareStreamIds(all[i - 1]!.id, all[i]!.id)).toBeLessThan(0);
    // Resuming from inside the entry, from its last event, and with a limit that cuts through it.
    expect((await s.bus.readAfter(all[1]!.id, 100)).map((e) => e.event)).toEqual([3, 4, 5].map(started));
    expect((await s.bus.readAfter(all[3]!.id, 100)).map((e) => e.event)).toEqual([started(5)]);
    expect((await s.bus.readAfter(all[0]!.id, 2)).map((e) => e.id)).toEqual([all[1]!.id, all[2]!.id]);
    await eventually(() => seen.length === 5);
    expect(seen).toEqual([1, 2, 3, 4, 5].map(started));
    off();
    await s.cleanup();
  });
});
