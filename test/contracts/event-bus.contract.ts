import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent, EventOf } from '../../src/domain/events.js';
import type { RepoName, TaskId } from '../../src/domain/ids.js';
import type { EventBus, StoredEvent } from '../../src/ports/event-bus.port.js';
import { eventually } from './support.js';

export interface EventBusSubject {
  readonly bus: EventBus;
  /** How many events the bus under test retains for `readAfter` (configure it small for speed). */
  readonly backlog: number;
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

const REPO = 'contract-repo' as RepoName;

function canceled(n: number): EventOf<'task.canceled'> {
  return {
    type: 'task.canceled',
    taskId: `${REPO}:${n}` as TaskId,
    repo: REPO,
    reason: `r${n}`,
    occurredAt: 1_700_000_000_000 + n,
  };
}

function started(n: number): EventOf<'task.started'> {
  return {
    type: 'task.started',
    taskId: `${REPO}:${n}` as TaskId,
    repo: REPO,
    total: n,
    trigger: 'api',
    occurredAt: 1_700_000_000_000 + n,
  };
}

/**
 * The EventBus contract: ordered delivery, typed `on`, `readAfter` resume semantics and the bounded
 * backlog. Delivery may be asynchronous (a Redis stream reader), so subscribers are awaited with polling.
 */
export function describeEventBusContract(name: string, makeSubject: () => Promise<EventBusSubject>): void {
  describe(`EventBus contract: ${name}`, () => {
    let s: EventBusSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('delivers events to every subscriber in publish order', async () => {
      const a: StoredEvent[] = [];
      const b: DomainEvent[] = [];
      const offA = s.bus.subscribe((e) => a.push(e));
      const offB = s.bus.subscribe((e) => b.push(e.event));
      await s.bus.publish(canceled(1));
      await s.bus.publishAll([started(2), canceled(3), started(4)]);
      await s.bus.publish(canceled(5));
      await eventually(() => a.length === 5 && b.length === 5);
      expect(a.map((e) => e.event)).toEqual([canceled(1), started(2), canceled(3), started(4), canceled(5)]);
      expect(b).toEqual(a.map((e) => e.event));
      expect(new Set(a.map((e) => e.id)).size).toBe(5);
      offA();
      offB();
    });

    it('stops delivering after unsubscribe, and on(type) delivers only that type', async () => {
      const all: DomainEvent[] = [];
      const only: EventOf<'task.started'>[] = [];
      const off = s.bus.subscribe((e) => all.push(e.event));
      const offOn = s.bus.on('task.started', (e) => only.push(e));
      await s.bus.publishAll([canceled(1), started(2)]);
      await eventually(() => all.length === 2 && only.length === 1);
      off();
      await s.bus.publishAll([started(3), canceled(4)]);
      await eventually(() => only.length === 2);
      expect(only).toEqual([started(2), started(3)]);
      expect(all).toEqual([canceled(1), started(2)]);
      offOn();
    });

    it('a throwing subscriber does not stop publishing or other subscribers', async () => {
      const seen: DomainEvent[] = [];
      const offBad = s.bus.subscribe(() => {
        throw new Error('subscriber bug');
      });
      const off = s.bus.subscribe((e) => seen.push(e.event));
      await s.bus.publish(canceled(1));
      await s.bus.publish(canceled(2));
      await eventually(() => seen.length === 2);
      offBad();
      off();
    });

    it('readAfter resumes after a known id, from the oldest on null or an unknown id, at most limit', async () => {
      expect(await s.bus.readAfter(null, 10)).toEqual([]);
      const events = [canceled(1), started(2), canceled(3), started(4), canceled(5)];
      await s.bus.publishAll(events);
      const all = await s.bus.readAfter(null, 100);
      expect(all.map((e) => e.event)).toEqual(events);
      const after2 = await s.bus.readAfter(all[1]!.id, 100);
      expect(after2.map((e) => e.event)).toEqual(events.slice(2));
      expect(after2.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
      expect((await s.bus.readAfter(all[1]!.id, 2)).map((e) => e.event)).toEqual(events.slice(2, 4));
      expect(await s.bus.readAfter(all[4]!.id, 100)).toEqual([]);
      expect((await s.bus.readAfter(null, 2)).map((e) => e.event)).toEqual(events.slice(0, 2));
      for (const unknown of ['no-such-id', '', 'x:1']) {
        expect((await s.bus.readAfter(unknown, 100)).map((e) => e.event)).toEqual(events);
      }
    });

    it('keeps a bounded backlog of the newest events', async () => {
      const total = s.backlog + 7;
      const events = Array.from({ length: total }, (_, i) => canceled(i + 1));
      await s.bus.publishAll(events);
      const kept = await s.bus.readAfter(null, total * 2);
      expect(kept.length).toBeLessThanOrEqual(s.backlog);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.map((e) => e.event)).toEqual(events.slice(total - kept.length));
      const resumed = await s.bus.readAfter(kept[0]!.id, total);
      expect(resumed.map((e) => e.event)).toEqual(events.slice(total - kept.length + 1));
    });
  });
}
