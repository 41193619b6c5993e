import type { DomainEvent, DomainEventType, EventOf } from '../domain/events.js';

/** An event with the id the bus gave it, usable as an SSE `Last-Event-ID` to resume after. */
export interface StoredEvent {
  readonly id: string;
  readonly event: DomainEvent;
}

export type Unsubscribe = () => void;

/**
 * Domain events, published by use cases after the state they describe was written. In-process
 * (memory) or shared by all processes (a capped Redis stream), so `serve` sees what workers did.
 * Delivery is at-most-once per subscriber, in publish order; a slow subscriber never blocks publishers.
 * The bus keeps a bounded backlog (e.g. the last 10,000 events) for `readAfter`.
 */
export interface EventBus {
  /** Records and delivers `event`. Throws only when the backing store is unreachable. */
  publish(event: DomainEvent): Promise<void>;
  /** Publishes several events in order, in one round trip where the adapter can. */
  publishAll(events: readonly DomainEvent[]): Promise<void>;
  /** Calls `handler` for every event published from now on (by any process sharing the bus). */
  subscribe(handler: (stored: StoredEvent) => void): Unsubscribe;
  /** Typed convenience over `subscribe` for one event type. */
  on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe;
  /**
   * Events after `lastId` (exclusive), oldest first, at most `limit`; from the oldest retained
   * event when `lastId` is null or no longer retained. Never throws for an unknown id.
   */
  readAfter(lastId: string | null, limit: number): Promise<StoredEvent[]>;
}
