import { afterAll, describe } from 'vitest';
import { describeJobQueueContract } from '../../contracts/job-queue.contract.js';
import { describeRepoLockContract } from '../../contracts/repo-lock.contract.js';
import { describeTaskStoreContract } from '../../contracts/task-store.contract.js';
import { RedisFixture, redisAvailable } from './redis-fixture.js';

const fixture = new RedisFixture();
afterAll(() => fixture.stop());

describe.runIf(redisAvailable)('redis coordination adapters', () => {
  const makeSubject = () => fixture.coordination();
  describeJobQueueContract('redis', makeSubject);
  describeTaskStoreContract('redis', makeSubject);
  describeRepoLockContract('redis', makeSubject);
});
