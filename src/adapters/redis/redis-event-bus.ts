import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { duplicateForBlocking, withRedis } from './create-redis-client.js';
import { DEFAULT_EVENT_CAPACITY, makeKeys } from './keys.js';
import { settleEntryEvents } from './queue-replies.js';
import { isRecorded } from './recorded-events.js';

export interface RedisEventBusOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  /** How many of the newest events the stream keeps for `readAfter` (default 10,000). */
  readonly capacity?: number;
  readonly logger?: Logger;
  /** How long one blocking read waits before checking for unsubscribes/close (default 1 s). */
  readonly blockMs?: number;
}

interface Subscription {
  readonly handler: (stored: StoredEvent) => void;
  /** The stream's last id when it subscribed: it gets only events after it. */
  readonly after: Promise<string>;
}

/** An event id: its stream entry's id (`<ms>-<seq>`), plus `.<index>` for an event of a multi-event entry. */
const EVENT_ID = /^(\d{1,16})-(\d{1,16})(?:\.(\d{1,6}))?$/;

/** Orders event ids numerically: by stream entry, then by index inside the entry (a plain id first). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as, ai] = idParts(a);
  const [bm, bs, bi] = idParts(b);
  return am - bm || as - bs || ai - bi;
}

function idParts(id: string): [number, number, number] {
  const m = EVENT_ID.exec(id);
  return m ? [Number(m[1]), Number(m[2]), m[3] === undefined ? -1 : Number(m[3])] : [0, 0, -1];
}

/** The stream entry an event id belongs to. */
function entryOf(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

/**
 * Domain events on a capped Redis stream (`XADD MAXLEN`), shared by serve and workers. An entry holds one
 * event (field `e`, what `publish` writes) or, written by the queue's settle script, the events of one call
 * in order (field `s`; `b` in older entries). Event ids are the entry id, plus `.<index>` inside a multi-event
 * entry, so an SSE client resumes with `Last-Event-ID` through `readAfter` (XRANGE). Subscribers share one
 * reader per bus on a dedicated connection (`XREAD BLOCK`), so a slow subscriber never blocks publishers.
 * The trim is exact and counts entries: the stream keeps the newest `capacity` entries, so at least the
 * newest `capacity` events.
 */
export class RedisEventBus implements EventBus {
  private readonly key: string;
  private readonly capacity: number;
  private readonly subscriptions = new Set<Subscription>();
  private reader: Redis | null = null;
  private reading = false;
  private closed = false;

  constructor(private readonly options: RedisEventBusOptions) {
    this.key = makeKeys(options.prefix).events;
    this.capacity = Math.max(1, Math.floor(options.capacity ?? DEFAULT_EVENT_CAPACITY));
  }

  publish(event: DomainEvent): Promise<void> {
    return this.publishAll([event]);
  }

  /** Skips events a queue script already appended to this stream (see recorded-events.ts). */
  publishAll(events: readonly DomainEvent[]): Promise<void> {
    const fresh = events.filter((e) => !isRecorded(e, this.key));
    if (fresh.length === 0) return Promise.resolve();
    return withRedis('events.publish', async () => {
      // Plain commands issued in order (not an explicit pipeline, which would jump ahead of commands the
      // client auto-pipelines), so a subscribe() before this publish sees its start point first.
      const { redis } = this.options;
      await Promise.all(
        fresh.map((e) => redis.xadd(this.key, 'MAXLEN', '=', this.capacity, '*', 'e', JSON.stringify(e))),
      );
    });
  }

  subscribe(handler: (stored: StoredEvent) => void): Unsubscribe {
    // Sent on the publishing connection before any later publish of ours, so the start point is exact.
    const after = this.options.redis
      .xrevrange(this.key, '+', '-', 'COUNT', 1)
      .then((last) => last[0]?.[0] ?? '0-0')
      .catch(() => '0-0');
    const sub: Subscription = { handler, after };
    this.subscriptions.add(sub);
    if (!this.reading) void this.readLoop(after);
    return () => {
      this.subscriptions.delete(sub);
    };
  }

  on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe {
    return this.subscribe((stored) => {
      if (stored.event.type === type) handler(stored.event as EventOf<T>);
    });
  }

  readAfter(lastId: string | null, limit: number): Promise<StoredEvent[]> {
    const count = Math.floor(limit);
    if (count <= 0) return Promise.resolve([]);
    return withRedis('events.readAfter', async () => {
      const { redis } = this.options;
      const known = lastId !== null && EVENT_ID.test(lastId);
      // Inside a multi-event entry: read that entry again and skip its events up to lastId.
      const start = !known ? '-' : lastId.includes('.') ? entryOf(lastId) : `(${lastId}`;
      let entries = await redis.xrange(this.key, start, '+', 'COUNT', count);
      let stored = entries.flatMap(([id, fields]) => toStored(id, fields));
      if (known) stored = stored.filter((e) => compareStreamIds(e.id, lastId) > 0);
      if (known && entries.length === 0) {
        // An id past our newest event comes from another stream (e.g. before Redis lost its data).
        const newest = (await redis.xrevrange(this.key, '+', '-', 'COUNT', 1))[0]?.[0];
        if (newest !== undefined && compareStreamIds(entryOf(lastId), newest) > 0) {
          entries = await redis.xrange(this.key, '-', '+', 'COUNT', count);
          stored = entries.flatMap(([id, fields]) => toStored(id, fields));
        }
      }
      return stored.slice(0, count);
    });
  }

  /** Stops the reader connection; subscribers get nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
    this.reader?.disconnect();
    this.reader = null;
  }

  private async readLoop(start: Promise<string>): Promise<void> {
    this.reading = true;
    let cursor = await start;
    try {
      while (!this.closed && this.subscriptions.size > 0) {
        this.reader ??= duplicateForBlocking(this.options.redis, this.options.logger);
        const { events, last } = await this.readBatch(this.reader, cursor);
        if (last === null) continue;
        await this.deliver(events);
        cursor = last;
      }
    } finally {
      this.reading = false;
    }
  }

  /** The events of the next entries after `cursor`, and the last entry's id (null when none came). */
  private async readBatch(
    reader: Redis,
    cursor: string,
  ): Promise<{ events: StoredEvent[]; last: string | null }> {
    try {
      const reply = await reader.xread(
        'COUNT',
        500,
        'BLOCK',
        this.options.blockMs ?? 1_000,
        'STREAMS',
        this.key,
        cursor,
      );
      const entries = reply?.[0]?.[1] ?? [];
      const events = entries.flatMap(([id, fields]) => toStored(id, fields));
      return { events, last: entries.at(-1)?.[0] ?? null };
    } catch (error) {
      if (!this.closed) {
        this.options.logger?.warn({ err: { message: (error as Error).message } }, 'event stream read failed');
        await new Promise((r) => setTimeout(r, 500));
      }
      return { events: [], last: null };
    }
  }

  private async deliver(batch: readonly StoredEvent[]): Promise<void> {
    const subs = [...this.subscriptions];
    const starts = await Promise.all(subs.map((s) => s.after));
    for (const stored of batch) {
      subs.forEach((sub, i) => {
        if (!this.subscriptions.has(sub) || compareStreamIds(entryOf(stored.id), starts[i]!) <= 0) return;
        try {
          sub.handler(stored);
        } catch (error) {
          this.options.logger?.warn({ err: error, eventType: stored.event.type }, 'event subscriber threw');
        }
      });
    }
  }
}

/**
 * The events of one stream entry: `e` (one event), `s` (a settle script's events, counters replayed: see
 * settleEntryEvents) or `b` (several whole events, in order: what settle scripts wrote before `s`).
 * Unreadable entries yield none.
 */
function toStored(id: string, fields: string[]): StoredEvent[] {
  const at = fields.findIndex((f, i) => i % 2 === 0 && (f === 'e' || f === 's' || f === 'b'));
  const json = at < 0 ? undefined : fields[at + 1];
  if (json === undefined) return [];
  try {
    if (fields[at] === 'e') return [{ id, event: JSON.parse(json) as DomainEvent }];
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    const events = fields[at] === 's' ? settleEntryEvents(parsed) : (parsed as DomainEvent[]);
    return events.map((event, i) => ({ id: `${id}.${i}`, event }));
  } catch {
    return [];
  }
}
