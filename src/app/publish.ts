import type { DomainEvent } from '../domain/events.js';
import type { EventBus } from '../ports/event-bus.port.js';
import type { Logger } from '../ports/logger.port.js';

/**
 * Publishes events after the state they describe was written. A failure is logged, not thrown: the
 * write already happened, and live views recover from the stored state on their next read.
 */
export async function publishEvents(
  eventBus: EventBus,
  events: readonly DomainEvent[],
  logger: Logger,
): Promise<void> {
  if (events.length === 0) return;
  try {
    await eventBus.publishAll(events);
  } catch (error) {
    logger.warn({ err: errorSummary(error), events: events.length }, 'publishing events failed');
  }
}

/** A loggable view of an error: code and message only (adapter messages are redacted by contract). */
export function errorSummary(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(typeof code === 'string' && { code }), message: error.message };
  }
  return { message: String(error) };
}
