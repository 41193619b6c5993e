import { ManualClock } from '../../../src/adapters/memory/manual-clock.js';
import { createMemoryCoordination } from '../../../src/adapters/memory/memory-coordination.js';
import { describeJobQueueContract } from '../../contracts/job-queue.contract.js';
import { describeRepoLockContract } from '../../contracts/repo-lock.contract.js';
import type { CoordinationSubject } from '../../contracts/support.js';
import { describeTaskStoreContract } from '../../contracts/task-store.contract.js';

async function makeSubject(): Promise<CoordinationSubject> {
  const clock = new ManualClock();
  const { tasks, queue, lock } = createMemoryCoordination(clock);
  return {
    tasks,
    queue,
    lock,
    advance: async (ms) => clock.advance(ms),
    cleanup: async () => {},
  };
}

describeJobQueueContract('memory', makeSubject);
describeTaskStoreContract('memory', makeSubject);
describeRepoLockContract('memory', makeSubject);
