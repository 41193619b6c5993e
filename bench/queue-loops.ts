import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { LeaseToken } from '../src/domain/ids.js';
import type { JobResultSummary } from '../src/domain/job.js';
import type { EventBus } from '../src/ports/event-bus.port.js';
import type { ClaimRequest, JobQueue } from '../src/ports/job-queue.port.js';

/** What a benchmark worker reports per completed job: when (epoch ms) and how long after its enqueue. */
export interface Completions {
  readonly at: number[];
  readonly latency: number[];
}

const NOOP: JobResultSummary = {
  status: 'in_sync',
  kinds: [],
  summary: { add: 0, change: 0, destroy: 0, import: 0, move: 0, drifted: 0, outputs: 0 },
};

/**
 * One driftd worker process's job loops, as the real worker runs them minus the plan: claim (lease +
 * counters + lock renewal in the script), publish job.started, complete claiming the next job in the
 * same script call, publish job.completed (and task.finished). Stops when `stop()` says so and it is idle.
 */
export async function runDriftdLoops(
  queue: JobQueue,
  bus: EventBus,
  concurrency: number,
  done: Completions,
  stop: () => boolean,
): Promise<void> {
  const request = (w: number): ClaimRequest => ({
    workerId: `bench-${process.pid}-${w}`,
    token: randomUUID() as LeaseToken,
    leaseMs: 30_000,
  });
  // Events are published after the state is written and not awaited one by one (a failed publish is
  // logged by a real worker, never retried): they ride on the same connection as the next claim.
  const publishing = new Set<Promise<void>>();
  const publish = (events: Parameters<EventBus['publishAll']>[0]) => {
    const p = bus.publishAll(events).catch(() => {});
    publishing.add(p);
    void p.then(() => publishing.delete(p));
  };
  const loop = async (w: number) => {
    let claimed = await queue.claim(request(w));
    for (;;) {
      if (!claimed) {
        if (stop()) return;
        await queue.waitForWork(50);
        claimed = await queue.claim(request(w));
        continue;
      }
      publish(claimed.events);
      const out = await queue.complete(claimed.job.id, claimed.job.leaseToken, NOOP, request(w));
      const now = Date.now();
      done.at.push(now);
      // Jobs are enqueued when their task starts (server time of the start script, same host clock).
      done.latency.push(now - claimed.task.createdAt);
      if (out.ok) publish(out.events);
      claimed = out.next;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  await Promise.all(publishing);
}

/** A BullMQ worker with a no-op processor at `concurrency`; completion times land in `done`. */
export function startBullWorker(name: string, port: number, concurrency: number, done: Completions): Worker {
  const worker = new Worker(name, async () => {}, {
    connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
    concurrency,
  });
  worker.on('completed', (job) => {
    const now = Date.now();
    done.at.push(now);
    done.latency.push(now - job.timestamp);
  });
  return worker;
}
