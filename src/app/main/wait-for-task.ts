import { isActiveTask, type Task } from '../../domain/task.js';
import type { Unsubscribe } from '../../ports/event-bus.port.js';
import type { Queries } from '../use-cases/use-cases.js';
import type { DriftdEvents, WaitForTaskOptions, WaitForTaskResult } from './driftd-api.js';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_POLL_MS = 1_000;

/**
 * Resolves when the task is no longer active. Reacts to its `task.finished` / `task.canceled` events and
 * also re-reads it every `pollMs`, because event delivery is at-most-once (a Redis reader may miss events
 * across a reconnect). Read errors are retried on the next poll; `closed` aborts the wait.
 */
export function waitForTask(
  queries: Pick<Queries, 'getTask'>,
  events: Pick<DriftdEvents, 'on'>,
  taskId: string,
  options: WaitForTaskOptions & { readonly closed?: AbortSignal } = {},
): Promise<WaitForTaskResult> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, pollMs = DEFAULT_POLL_MS, closed } = options;
  return new Promise<WaitForTaskResult>((resolve) => {
    let last: Task | null = null;
    let settled = false;
    const cleanups: (() => void)[] = [];
    const finish = (result: WaitForTaskResult) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      resolve(result);
    };
    const check = async () => {
      // undefined: the read failed (store unreachable); the next poll tries again.
      const task = await queries.getTask(taskId).catch(() => undefined);
      if (settled || task === undefined) return;
      if (task === null) return finish({ kind: 'not_found' });
      last = task;
      if (!isActiveTask(task)) finish({ kind: 'finished', task });
    };
    const onEnd = (event: { readonly taskId: string }) => {
      if (event.taskId === taskId) void check();
    };
    const subscriptions: Unsubscribe[] = [
      events.on('task.finished', onEnd),
      events.on('task.canceled', onEnd),
    ];
    const poll = setInterval(() => void check(), pollMs);
    const timeout = setTimeout(
      () => finish(last ? { kind: 'timeout', task: last } : { kind: 'not_found' }),
      timeoutMs,
    );
    const onClose = () => finish({ kind: 'closed' });
    closed?.addEventListener('abort', onClose, { once: true });
    cleanups.push(
      () => clearInterval(poll),
      () => clearTimeout(timeout),
      () => closed?.removeEventListener('abort', onClose),
      ...subscriptions,
    );
    if (closed?.aborted) return onClose();
    void check();
  });
}
