import type { Clock } from '../../ports/clock.port.js';
import { CoordinationState } from './coordination-state.js';
import { MemoryJobQueue } from './memory-job-queue.js';
import { MemoryRepoLock } from './memory-repo-lock.js';
import { MemoryTaskStore } from './memory-task-store.js';

export interface MemoryCoordination {
  readonly tasks: MemoryTaskStore;
  readonly queue: MemoryJobQueue;
  readonly lock: MemoryRepoLock;
}

/** The task store, job queue and repo lock of embedded mode, sharing one state so they are atomic together. */
export function createMemoryCoordination(clock: Clock): MemoryCoordination {
  const state = new CoordinationState(clock);
  return {
    tasks: new MemoryTaskStore(state),
    queue: new MemoryJobQueue(state),
    lock: new MemoryRepoLock(state),
  };
}
