import type { DomainEvent } from '../../domain/events.js';

/**
 * Events a queue script already appended to the event stream, in the same atomic step as the state they
 * describe (claim and complete do, so a busy worker saves a round trip and an XADD per event).
 *
 * The use cases still publish every event the queue returns (the port's contract, and what the memory
 * adapters need); the Redis event bus skips an event marked for its own stream, so each event is on the
 * stream exactly once. An event copied or published to another stream is not marked and is published
 * normally. The mark is per object and weak: nothing to clean up.
 */
const recorded = new WeakMap<DomainEvent, string>();

/** Marks `events` as already on the stream `streamKey`. */
export function markRecorded(events: readonly DomainEvent[], streamKey: string): void {
  for (const event of events) recorded.set(event, streamKey);
}

/** Whether `event` is already on the stream `streamKey`. */
export function isRecorded(event: DomainEvent, streamKey: string): boolean {
  return recorded.get(event) === streamKey;
}
