/**
 * A benchmark worker PROCESS (forked by bench/queue.ts): runs driftd loops or a BullMQ worker until the
 * parent sends `stop`, then sends back its completion times and exits.
 * argv: <driftd|bullmq> <port> <concurrency> <prefix-or-queue-name>
 */
import { createRedisClient } from '../src/adapters/redis/create-redis-client.js';
import { createRedisCoordination } from '../src/adapters/redis/redis-coordination.js';
import { RedisEventBus } from '../src/adapters/redis/redis-event-bus.js';
import { type Completions, runDriftdLoops, startBullWorker } from './queue-loops.js';

const [system, portArg, concurrencyArg, name] = process.argv.slice(2);
const port = Number(portArg);
const concurrency = Number(concurrencyArg);
const done: Completions = { at: [], latency: [] };
let stopped = false;
let finish: () => Promise<void> = async () => {};

if (system === 'driftd') {
  const redis = createRedisClient({ host: '127.0.0.1', port, role: 'worker' });
  const { queue } = createRedisCoordination({ redis, prefix: name! });
  const bus = new RedisEventBus({ redis, prefix: name! });
  const loops = runDriftdLoops(queue, bus, concurrency, done, () => stopped);
  finish = async () => {
    await loops;
    await queue.close();
    redis.disconnect();
  };
} else {
  const worker = startBullWorker(name!, port, concurrency, done);
  finish = () => worker.close();
}

process.on('message', async (message) => {
  if (message !== 'stop') return;
  stopped = true;
  await finish();
  process.send?.(done, () => process.exit(0));
});
process.send?.('ready');
