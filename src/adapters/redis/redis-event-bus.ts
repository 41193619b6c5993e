import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { duplicateForBlocking, withRedis } from './create-redis-client.js';
import { DEFAULT_EVENT_CAPACITY, makeKeys } from './keys.js';
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

const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

/** Orders stream ids (`<ms>-<seq>`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/**
 * Domain events on a capped Redis stream (`XADD MAXLEN`), shared by serve and workers. Stream ids are the
 * event ids, so an SSE client resumes with `Last-Event-ID` through `readAfter` (XRANGE, exclusive start).
 * Subscribers share one reader per bus on a dedicated connection (`XREAD BLOCK`), so a slow subscriber
 * never blocks publishers. The trim is exact: `readAfter` never returns more than `capacity` events.
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
      const known = lastId !== null && STREAM_ID.test(lastId);
      let entries = await redis.xrange(this.key, known ? `(${lastId}` : '-', '+', 'COUNT', count);
      if (known && entries.length === 0) {
        // An id past our newest event comes from another stream (e.g. before Redis lost its data).
        const newest = (await redis.xrevrange(this.key, '+', '-', 'COUNT', 1))[0]?.[0];
        if (newest !== undefined && compareStreamIds(lastId, newest) > 0) {
          entries = await redis.xrange(this.key, '-', '+', 'COUNT', count);
        }
      }
      return entries.flatMap(([id, fields]) => toStored(id, fields));
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
        const batch = await this.readBatch(this.reader, cursor);
        if (batch.length === 0) continue;
        await this.deliver(batch);
        cursor = batch[batch.length - 1]!.id;
      }
    } finally {
      this.reading = false;
    }
  }

  private async readBatch(reader: Redis, cursor: string): Promise<StoredEvent[]> {
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
      return entries.flatMap(([id, fields]) => toStored(id, fields));
    } catch (error) {
      if (!this.closed) {
        this.options.logger?.warn({ err: { message: (error as Error).message } }, 'event stream read failed');
        await new Promise((r) => setTimeout(r, 500));
      }
      return [];
    }
  }

  private async deliver(batch: readonly StoredEvent[]): Promise<void> {
    const subs = [...this.subscriptions];
    const starts = await Promise.all(subs.map((s) => s.after));
    for (const stored of batch) {
      subs.forEach((sub, i) => {
        if (!this.subscriptions.has(sub) || compareStreamIds(stored.id, starts[i]!) <= 0) return;
        try {
          sub.handler(stored);
        } catch (error) {
          this.options.logger?.warn({ err: error, eventType: stored.event.type }, 'event subscriber threw');
        }
      });
    }
  }
}

function toStored(id: string, fields: string[]): StoredEvent[] {
  const json = fields[fields.indexOf('e') + 1];
  if (json === undefined) return [];
  try {
    return [{ id, event: JSON.parse(json) as DomainEvent }];
  } catch {
    return [];
  }
}
