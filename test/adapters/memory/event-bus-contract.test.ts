import { MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { describeEventBusContract } from '../../contracts/event-bus.contract.js';

describeEventBusContract('memory', async () => ({
  bus: new MemoryEventBus({ capacity: 50 }),
  backlog: 50,
  advance: async () => {},
  cleanup: async () => {},
}));
