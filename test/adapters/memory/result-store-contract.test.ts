import { ManualClock } from '../../../src/adapters/memory/manual-clock.js';
import { MemoryResultStore } from '../../../src/adapters/memory/memory-result-store.js';
import { describeResultStoreContract } from '../../contracts/result-store.contract.js';

describeResultStoreContract('memory', async () => {
  const clock = new ManualClock();
  return {
    store: new MemoryResultStore(clock),
    advance: async (ms) => clock.advance(ms),
    cleanup: async () => {},
  };
});
