import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';

/** Events that say a result exists: a worker records it (in the outbox) before it reports the job. */
const SETTLING: ReadonlySet<DomainEvent['type']> = new Set(['job.completed', 'job.failed', 'task.finished']);

/**
 * The event bus as serve's subscribers (read-model caches, SSE, UI) see it in Redis mode: a job's
 * `job.completed` reaches them only after the result outbox was drained into `data_dir`, so a cache
 * invalidated by the event is never rebuilt from the result before. Each subscriber keeps publish order;
 * publishing and `readAfter` pass through unchanged.
 */
export function resultsFirstEventBus(bus: EventBus, drainNow: () => Promise<void>): EventBus {
  const subscribe = (handler: (stored: StoredEvent) => void): Unsubscribe => {
    let chain: Promise<void> = Promise.resolve();
    let active = true;
    const unsubscribe = bus.subscribe((stored) => {
      const settles = SETTLING.has(stored.event.type);
      chain = chain
        .then(() => (settles ? drainNow() : undefined))
        .then(() => {
          if (active) handler(stored);
        })
        .catch(() => undefined);
    });
    return () => {
      active = false;
      unsubscribe();
    };
  };
  return {
    publish: (event) => bus.publish(event),
    publishAll: (events) => bus.publishAll(events),
    subscribe,
    on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe {
      return subscribe((stored) => {
        if (stored.event.type === type) handler(stored.event as EventOf<T>);
      });
    },
    readAfter: (lastId, limit) => bus.readAfter(lastId, limit),
  };
}
