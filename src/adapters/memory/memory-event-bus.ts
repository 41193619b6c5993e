import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';

export interface MemoryEventBusOptions {
  /** How many of the newest events `readAfter` can return (default 10,000). */
  readonly capacity?: number;
  /** Where a throwing subscriber is reported (it never breaks publishing or other subscribers). */
  readonly logger?: Logger;
}

export const DEFAULT_EVENT_BACKLOG = 10_000;

/**
 * In-process domain events (embedded mode, tests). Ids are increasing decimal strings ("1", "2", ...),
 * so a reconnecting SSE client resumes with `Last-Event-ID`. The backlog is a ring buffer of the newest
 * `capacity` events. Subscribers are called synchronously in publish order, one event at a time; an
 * event published by a subscriber is queued behind the current one, so every subscriber sees the same
 * order. Handlers must be quick (hand work off to a queue) because they run on the publisher's turn.
 */
export class MemoryEventBus implements EventBus {
  private readonly capacity: number;
  private readonly ring: (StoredEvent | undefined)[];
  /** Ring index of the oldest retained event. */
  private head = 0;
  private count = 0;
  private nextId = 1;
  private readonly handlers = new Set<(stored: StoredEvent) => void>();
  private readonly outbox: StoredEvent[] = [];
  private delivering = false;

  constructor(private readonly options: MemoryEventBusOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? DEFAULT_EVENT_BACKLOG));
    this.ring = new Array(this.capacity);
  }

  async publish(event: DomainEvent): Promise<void> {
    this.append(event);
    this.deliver();
  }

  async publishAll(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) this.append(event);
    this.deliver();
  }

  subscribe(handler: (stored: StoredEvent) => void): Unsubscribe {
    // A wrapper per subscription, so subscribing one function twice yields two independent subscriptions.
    const wrapped = (stored: StoredEvent) => handler(stored);
    this.handlers.add(wrapped);
    return () => {
      this.handlers.delete(wrapped);
    };
  }

  on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe {
    return this.subscribe((stored) => {
      if (stored.event.type === type) handler(stored.event as EventOf<T>);
    });
  }

  async readAfter(lastId: string | null, limit: number): Promise<StoredEvent[]> {
    const firstId = this.nextId - this.count;
    let from = firstId;
    if (lastId !== null && /^\d{1,15}$/.test(lastId)) {
      const n = Number(lastId);
      // Known ids resume right after themselves; ids older than the backlog or from another bus
      // instance (e.g. before a restart) are unknown: start from the oldest retained event.
      if (n >= firstId - 1 && n < this.nextId) from = n + 1;
    }
    const take = Math.max(0, Math.min(Math.floor(limit), this.nextId - from));
    const out: StoredEvent[] = [];
    for (let i = 0; i < take; i++) {
      out.push(this.ring[(this.head + (from - firstId) + i) % this.capacity]!);
    }
    return out;
  }

  private append(event: DomainEvent): void {
    // Domain events are immutable values; freezing keeps one subscriber from changing what others read.
    const stored: StoredEvent = Object.freeze({ id: String(this.nextId++), event: Object.freeze(event) });
    if (this.count < this.capacity) {
      this.ring[(this.head + this.count) % this.capacity] = stored;
      this.count++;
    } else {
      this.ring[this.head] = stored;
      this.head = (this.head + 1) % this.capacity;
    }
    this.outbox.push(stored);
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      // Events published by a handler are appended and delivered by this same loop, in order.
      for (let i = 0; i < this.outbox.length; i++) {
        const stored = this.outbox[i]!;
        for (const handler of [...this.handlers]) {
          try {
            handler(stored);
          } catch (error) {
            this.options.logger?.warn({ err: error, eventType: stored.event.type }, 'event subscriber threw');
          }
        }
      }
    } finally {
      this.outbox.length = 0;
      this.delivering = false;
    }
  }
}
