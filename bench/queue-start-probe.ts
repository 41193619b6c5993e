/** Times TaskStore.start for one task of N jobs on a fresh redis-server (`npx tsx bench/queue-start-probe.ts [N]`). */
import { createRedisClient } from '../src/adapters/redis/create-redis-client.js';
import { createRedisCoordination } from '../src/adapters/redis/redis-coordination.js';
import { makeJobId, makeTaskId, type RepoName, type StackPath } from '../src/domain/ids.js';
import { startRedisServer } from '../test/support/redis-server.js';

const n = Number(process.argv[2] ?? 20_000);
const server = await startRedisServer();
const redis = createRedisClient({ url: server.url, role: 'serve' });
const { tasks } = createRedisCoordination({ redis, prefix: 'probe:' });
for (let round = 0; round < 3; round++) {
  const repo = `probe-${round}` as RepoName;
  const ts = 1_700_000_000_000 + round;
  const jobs = Array.from({ length: n }, (_, i) => {
    const stack = `envs/s-${i}` as StackPath;
    return { id: makeJobId(repo, stack, ts), stack };
  });
  const t0 = performance.now();
  const out = await tasks.start({
    taskId: makeTaskId(repo, ts),
    repo,
    trigger: { kind: 'api', actor: 'probe' },
    jobs,
    maxAttempts: 1,
    lockTtlMs: 60_000,
    supersede: false,
  });
  console.log(`start of ${n} jobs: ${(performance.now() - t0).toFixed(0)} ms (${out.kind})`);
}
const stats = (await redis.info('commandstats')).split('\n').filter((l) => /evalsha|cmdstat_eval:/.test(l));
console.log(stats.join('\n'));
redis.disconnect();
await server.stop();
