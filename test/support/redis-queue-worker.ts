/**
 * A tiny worker PROCESS for Redis integration tests: uses RedisJobQueue directly (no app layer). It claims
 * a job, renews its lease in a loop, "works" by sleeping, completes it claiming the next one, and exits 0
 * once the task in TASK_ID has ended. It survives Redis outages (logs and retries), like a real worker.
 *
 * Env: REDIS_URL, PREFIX, TASK_ID, WORKER_ID, LEASE_MS (default 1000), RENEW_MS (300), WORK_MS (50).
 * Stdout lines: `claimed <jobId>`, `completed <jobId>`, `rejected <jobId> <reason>`, `done`.
 */
import { randomUUID } from 'node:crypto';
import { createRedisClient } from '../../src/adapters/redis/create-redis-client.js';
import { createRedisCoordination } from '../../src/adapters/redis/redis-coordination.js';
import type { LeaseToken, TaskId } from '../../src/domain/ids.js';
import type { ClaimedJob, ClaimRequest } from '../../src/ports/job-queue.port.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const leaseMs = Number(env('LEASE_MS', '1000'));
const renewMs = Number(env('RENEW_MS', '300'));
const workMs = Number(env('WORK_MS', '50'));
const workerId = env('WORKER_ID', `w-${process.pid}`);
const taskId = env('TASK_ID') as TaskId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

const redis = createRedisClient({
  url: env('REDIS_URL'),
  role: 'worker',
  logger: {
    debug: () => {},
    info: () => {},
    warn: (o, msg) => process.stderr.write(`warn ${msg ?? ''} ${JSON.stringify(o)}\n`),
    error: (o, msg) => process.stderr.write(`error ${msg ?? ''} ${JSON.stringify(o)}\n`),
    child() {
      return this;
    },
  },
});
const { queue, tasks } = createRedisCoordination({ redis, prefix: env('PREFIX') });
const claimRequest = (): ClaimRequest => ({ workerId, token: randomUUID() as LeaseToken, leaseMs });

/** Heartbeat while a job runs: renews the lease every RENEW_MS until stopped. */
function heartbeat(job: ClaimedJob['job']): () => void {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      await sleep(renewMs);
      if (stopped) return;
      await queue.renew(job.id, job.leaseToken, leaseMs, 60_000).catch(() => 'error');
    }
  })();
  return () => {
    stopped = true;
  };
}

async function work(first: ClaimedJob): Promise<void> {
  let current: ClaimedJob | null = first;
  while (current) {
    say(`claimed ${current.job.id}`);
    const stop = heartbeat(current.job);
    await sleep(workMs);
    stop();
    const out = await queue.complete(current.job.id, current.job.leaseToken, RESULT, claimRequest());
    say(out.ok ? `completed ${current.job.id}` : `rejected ${current.job.id} ${out.reason}`);
    current = out.next;
  }
}

const RESULT = {
  status: 'in_sync',
  kinds: [],
  summary: { add: 0, change: 0, destroy: 0, import: 0, move: 0, drifted: 0, outputs: 0 },
} as const;

async function main(): Promise<void> {
  for (;;) {
    try {
      const claimed = await queue.claim(claimRequest());
      if (claimed) {
        await work(claimed);
        continue;
      }
      const task = await tasks.get(taskId);
      if (task && task.status !== 'running' && task.status !== 'created') break;
      await queue.waitForWork(300);
    } catch (error) {
      process.stderr.write(`loop error ${(error as Error).message}\n`);
      await sleep(200);
    }
  }
  say('done');
  await queue.close();
  redis.disconnect();
}

void main();
