import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.js';
import { DEFAULT_EVENT_BACKLOG, MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { MEMORY_HISTORY_CAP, MemoryResultStore } from '../../../src/adapters/memory/memory-result-store.js';
import { NoopLogger } from '../../../src/adapters/memory/noop-logger.js';
import { SystemClock } from '../../../src/adapters/memory/system-clock.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import type { DomainEvent } from '../../../src/domain/events.js';
import type { RepoName, StackPath, TaskId } from '../../../src/domain/ids.js';
import type { Logger } from '../../../src/ports/logger.port.js';
import { stackRun } from '../../contracts/result-store.contract.js';

function canceled(n: number): DomainEvent {
  return {
    type: 'task.canceled',
    taskId: `r:${n}` as TaskId,
    repo: 'r' as RepoName,
    reason: 'x',
    occurredAt: n,
  };
}

describe('clocks', () => {
  it('ManualClock moves only forward, when told', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
    clock.set(5000);
    expect(clock.now()).toBe(5000);
    for (const bad of [() => clock.set(4999), () => clock.advance(-1), () => clock.advance(Number.NaN)]) {
      expect(() => bad()).toThrowError(expect.objectContaining({ code: 'DRIFTD_INVALID_INPUT' }));
    }
    expect(clock.now()).toBe(5000);
  });

  it('SystemClock never decreases when the wall clock steps back', () => {
    const readings = [1000, 2000, 1500, 2500];
    const clock = new SystemClock(() => readings.shift()!);
    expect([clock.now(), clock.now(), clock.now(), clock.now()]).toEqual([1000, 2000, 2000, 2500]);
    const real = new SystemClock();
    expect(Math.abs(real.now() - Date.now())).toBeLessThan(1000);
  });
});

describe('NoopLogger', () => {
  it('accepts every call and its children are loggers too', () => {
    const logger: Logger = new NoopLogger();
    const child = logger.child({ taskId: 't' });
    for (const l of [logger, child]) {
      expect(() => {
        l.debug({ a: 1 }, 'm');
        l.info({});
        l.warn({}, 'w');
        l.error({ err: new Error('x') });
      }).not.toThrow();
    }
    expect(typeof child.child({}).info).toBe('function');
  });
});

describe('MemoryEventBus specifics', () => {
  it('keeps the newest 10,000 events by default, with increasing decimal ids', async () => {
    const bus = new MemoryEventBus();
    const total = DEFAULT_EVENT_BACKLOG + 5;
    await bus.publishAll(Array.from({ length: total }, (_, i) => canceled(i + 1)));
    const kept = await bus.readAfter(null, total);
    expect(kept).toHaveLength(DEFAULT_EVENT_BACKLOG);
    expect(kept[0]).toMatchObject({ id: '6', event: { occurredAt: 6 } });
    expect(kept.at(-1)).toMatchObject({ id: String(total), event: { occurredAt: total } });
    expect(kept.every((e, i) => i === 0 || Number(e.id) === Number(kept[i - 1]!.id) + 1)).toBe(true);
    expect(await bus.readAfter('5', 2)).toEqual(kept.slice(0, 2));
    expect(await bus.readAfter('1', 2)).toEqual(kept.slice(0, 2));
  });

  it('treats an id beyond the newest (another bus instance, before a restart) as unknown', async () => {
    const bus = new MemoryEventBus();
    await bus.publishAll([canceled(1), canceled(2)]);
    expect((await bus.readAfter('999', 10)).map((e) => e.id)).toEqual(['1', '2']);
    expect(await bus.readAfter('2', 10)).toEqual([]);
    expect(await bus.readAfter(null, 0)).toEqual([]);
  });

  it('delivers events published by a subscriber after the current one, to everyone in the same order', async () => {
    const bus = new MemoryEventBus();
    const first: number[] = [];
    const second: number[] = [];
    bus.subscribe((s) => {
      first.push(s.event.occurredAt);
      if (s.event.occurredAt === 1) void bus.publish(canceled(2));
    });
    bus.subscribe((s) => second.push(s.event.occurredAt));
    await bus.publish(canceled(1));
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([1, 2]);
  });

  it('reports a throwing subscriber to its logger', async () => {
    const warnings: object[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (obj) => warnings.push(obj),
      error: () => {},
      child: () => logger,
    };
    const bus = new MemoryEventBus({ logger });
    bus.subscribe(() => {
      throw new Error('bug');
    });
    await bus.publish(canceled(1));
    expect(warnings).toHaveLength(1);
  });
});

describe('MemoryResultStore specifics', () => {
  it('keeps at most 500 history entries per stack, the newest', async () => {
    const store = new MemoryResultStore(new ManualClock());
    const repo = 'r' as RepoName;
    for (let i = 1; i <= MEMORY_HISTORY_CAP + 3; i++) await store.record(stackRun(repo, 'a', i), 'p');
    const history = await store.getHistory(repo, 'a' as StackPath, 1000);
    expect(history).toHaveLength(MEMORY_HISTORY_CAP);
    expect(history[0]!.commit).toBe(`c${MEMORY_HISTORY_CAP + 3}`);
    expect(history.at(-1)!.commit).toBe('c4');
  });

  it('hands out values it does not share with the caller', async () => {
    const store = new MemoryResultStore(new ManualClock());
    const run = stackRun('r' as RepoName, 'a', 1);
    await store.record(run, 'p');
    const latest = (await store.getLatest(run.repo, run.stack))!;
    expect(Object.isFrozen(latest)).toBe(true);
    const listed = await store.listLatest(run.repo);
    listed.pop();
    expect(await store.listLatest(run.repo)).toHaveLength(1);
    const err = await store.getLatest('../x' as RepoName, run.stack).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_UNSAFE_PATH')).toBe(true);
  });
});
