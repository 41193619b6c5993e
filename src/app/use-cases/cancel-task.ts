import type { TaskId } from '../../domain/ids.js';
import { parseTaskId } from '../../domain/ids.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import { publishEvents } from '../publish.js';
import type { CancelTask } from './use-cases.js';

export interface CancelTaskDeps {
  taskStore: TaskStore;
  eventBus: EventBus;
  logger: Logger;
}

/**
 * Cancels a live task: its pending jobs leave the queue, running jobs stop at their worker's next lease
 * renewal, the repo lock is freed (one atomic TaskStore step). An id that is not a task id is
 * `not_found`; a finished task is `not_active` and stays as it was.
 */
export function makeCancelTask({ taskStore, eventBus, logger }: CancelTaskDeps): CancelTask {
  return async function cancelTask(taskId, reason = 'canceled by request') {
    if (parseTaskId(taskId) === null) return { kind: 'not_found' };
    const outcome = await taskStore.cancel(taskId as TaskId, reason);
    if (outcome.kind !== 'canceled') return outcome;
    const log = logger.child({ taskId: outcome.task.id, repo: outcome.task.repo });
    await publishEvents(eventBus, outcome.events, log);
    log.info({ reason }, 'task canceled');
    return { kind: 'canceled', task: outcome.task };
  };
}
