/**
 * Queue benchmark: driftd's Redis job queue against BullMQ on the same redis-server, same machine, same
 * run. Each scenario enqueues N no-op jobs (driftd: one task of N jobs; BullMQ: addBulk) while the
 * workers wait, and measures jobs/s from the enqueue to the last completion plus p50/p99 of
 * enqueue → completion. driftd does more per job: a fenced lease, task counters, repo-lock renewal and
 * two events on a stream (job.started, job.completed).
 *
 * Run: `npx tsx bench/queue.ts` (starts its own redis-server on a free port).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../src/adapters/redis/create-redis-client.js';
import { createRedisCoordination } from '../src/adapters/redis/redis-coordination.js';
import { RedisEventBus } from '../src/adapters/redis/redis-event-bus.js';
import { makeJobId, makeTaskId, type RepoName, type StackPath } from '../src/domain/ids.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { type Completions, runDriftdLoops, startBullWorker } from './queue-loops.js';

export interface Measure {
  readonly jobs: number;
  readonly jobsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface QueueBenchRow {
  readonly scenario: string;
  /** The median driftd run (by jobs/s) of the scenario's repetitions. */
  readonly driftd: Measure;
  /** The median BullMQ run. */
  readonly bullmq: Measure;
  /** The median of the repetitions' driftd ÷ BullMQ jobs/s, each pair measured back to back. */
  readonly ratio: number;
  /** Every repetition's ratio, in run order. */
  readonly ratios: readonly number[];
}

/**
 * Repetitions per scenario (`BENCH_QUEUE_REPS`, default 5). The machines are 2 noisy cores where one system's
 * figure swings by half between runs, so each repetition runs driftd and BullMQ back to back (alternating
 * which goes first) and the scenario reports the medians.
 */
const REPS = Math.max(1, Number(process.env.BENCH_QUEUE_REPS ?? 5));

interface Scenario {
  readonly label: string;
  readonly processes: number;
  readonly concurrency: number;
  readonly jobs: number;
}

const SCENARIOS: readonly Scenario[] = [
  { label: '1 process, concurrency 1', processes: 1, concurrency: 1, jobs: 4_000 },
  { label: '1 process, concurrency 5', processes: 1, concurrency: 5, jobs: 15_000 },
  { label: '1 process, concurrency 50', processes: 1, concurrency: 50, jobs: 20_000 },
  { label: '2 processes x concurrency 25', processes: 2, concurrency: 25, jobs: 20_000 },
];

const CHILD = fileURLToPath(new URL('./queue-child.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let runId = 0;

function measure(done: Completions, jobs: number, t0: number): Measure {
  const sorted = [...done.latency].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const end = Math.max(...done.at);
  return {
    jobs: done.at.length,
    jobsPerSec: Math.round(jobs / ((end - t0) / 1000)),
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const limit = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > limit) throw new Error('benchmark run did not finish in time');
    await sleep(10);
  }
}

/** Forked worker processes; `stop()` collects their completions. */
async function forkWorkers(system: 'driftd' | 'bullmq', port: number, s: Scenario, name: string) {
  const children: ChildProcess[] = [];
  for (let i = 0; i < s.processes; i++) {
    const child = fork(CHILD, [system, String(port), String(s.concurrency), name], {
      execArgv: ['--import', 'tsx'],
    });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    children.push(child);
  }
  return async (): Promise<Completions> => {
    const parts = await Promise.all(
      children.map(
        (child) =>
          new Promise<Completions>((resolve) => {
            child.once('message', (m) => resolve(m as Completions));
            child.send('stop');
          }),
      ),
    );
    return { at: parts.flatMap((p) => p.at), latency: parts.flatMap((p) => p.latency) };
  };
}

async function runDriftd(port: number, s: Scenario): Promise<Measure> {
  const prefix = `bench-${++runId}:`;
  // The producer (start, polling for the end) and the worker use their own connections, as serve and a
  // worker do, and as BullMQ's Queue and Worker do on its side.
  const redis = createRedisClient({ host: '127.0.0.1', port, role: 'worker' });
  const { tasks, close } = createRedisCoordination({ redis, prefix });
  const done: Completions = { at: [], latency: [] };
  let stopped = false;
  let stopWorkers: () => Promise<Completions>;
  if (s.processes > 1) stopWorkers = await forkWorkers('driftd', port, s, prefix);
  else {
    const workerRedis = createRedisClient({ host: '127.0.0.1', port, role: 'worker' });
    const worker = createRedisCoordination({ redis: workerRedis, prefix });
    const loops = runDriftdLoops(
      worker.queue,
      new RedisEventBus({ redis: workerRedis, prefix }),
      s.concurrency,
      done,
      () => stopped,
    );
    stopWorkers = async () => {
      stopped = true;
      await loops;
      await worker.close();
      workerRedis.disconnect();
      return done;
    };
  }
  await sleep(300);
  const repo = `bench-${runId}` as RepoName;
  const ts = Date.now();
  const t0 = Date.now();
  const stacks = Array.from({ length: s.jobs }, (_, i) => `s${i}` as StackPath);
  const out = await tasks.start({
    taskId: makeTaskId(repo, ts),
    repo,
    trigger: { kind: 'bench' },
    jobs: stacks.map((stack) => ({ id: makeJobId(repo, stack, ts), stack })),
    maxAttempts: 1,
    lockTtlMs: 60_000,
    supersede: false,
  });
  if (out.kind !== 'started') throw new Error('bench task did not start');
  await until(async () => (await tasks.get(out.task.id))?.status !== 'running');
  const result = measure(await stopWorkers(), s.jobs, t0);
  await close();
  await cleanup(redis);
  return result;
}

async function runBull(port: number, s: Scenario): Promise<Measure> {
  const name = `bench-bull-${++runId}`;
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
  const done: Completions = { at: [], latency: [] };
  let stopWorkers: () => Promise<Completions>;
  if (s.processes > 1) stopWorkers = await forkWorkers('bullmq', port, s, name);
  else {
    const worker = startBullWorker(name, port, s.concurrency, done);
    await worker.waitUntilReady();
    stopWorkers = async () => {
      await worker.close();
      return done;
    };
  }
  await sleep(300);
  const t0 = Date.now();
  for (let i = 0; i < s.jobs; i += 1_000) {
    const n = Math.min(1_000, s.jobs - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
  await until(async () => (await queue.getCompletedCount()) >= s.jobs);
  const result = measure(await stopWorkers(), s.jobs, t0);
  await queue.obliterate({ force: true });
  await queue.close();
  return result;
}

function median(measures: readonly Measure[]): Measure {
  return [...measures].sort((a, b) => a.jobsPerSec - b.jobsPerSec)[Math.floor(measures.length / 2)]!;
}

async function cleanup(redis: Redis): Promise<void> {
  await redis.flushall();
  redis.disconnect();
}

export async function run(scenarios: readonly Scenario[] = SCENARIOS): Promise<QueueBenchRow[]> {
  const server = await startRedisServer();
  try {
    // Warm-up: JIT, script cache, connections.
    await runDriftd(server.port, { label: 'warm-up', processes: 1, concurrency: 5, jobs: 2_000 });
    await runBull(server.port, { label: 'warm-up', processes: 1, concurrency: 5, jobs: 2_000 });
    const rows: QueueBenchRow[] = [];
    for (const s of scenarios) {
      const stats = async (label: string) => {
        if (!process.env.BENCH_STATS) return;
        const r = createRedisClient({ host: '127.0.0.1', port: server.port, role: 'worker' });
        console.log(
          label,
          (await r.info('commandstats'))
            .split('\n')
            .filter((l) => /calls=\d{4,}/.test(l))
            .join('\n'),
        );
        await r.config('RESETSTAT');
        r.disconnect();
      };
      await stats('warmup');
      const pairs: { driftd: Measure; bullmq: Measure }[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        let driftd: Measure;
        let bullmq: Measure;
        if (rep % 2 === 0) {
          driftd = await runDriftd(server.port, s);
          await stats('driftd');
          bullmq = await runBull(server.port, s);
          await stats('bullmq');
        } else {
          bullmq = await runBull(server.port, s);
          driftd = await runDriftd(server.port, s);
        }
        pairs.push({ driftd, bullmq });
      }
      const ratios = pairs.map((p) => Math.round((p.driftd.jobsPerSec / p.bullmq.jobsPerSec) * 100) / 100);
      rows.push({
        scenario: s.label,
        driftd: median(pairs.map((p) => p.driftd)),
        bullmq: median(pairs.map((p) => p.bullmq)),
        ratio: [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!,
        ratios,
      });
    }
    return rows;
  } finally {
    if (process.env.BENCH_STATS) {
      const r = createRedisClient({ host: '127.0.0.1', port: server.port, role: 'worker' });
      console.log(
        (await r.info('commandstats'))
          .split('\n')
          .filter((l) => /calls=\d{4,}/.test(l))
          .join('\n'),
      );
      r.disconnect();
    }
    await server.stop();
  }
}

export function formatRows(rows: readonly QueueBenchRow[]): string {
  const head = [
    'scenario',
    'driftd jobs/s',
    'BullMQ jobs/s',
    'ratio (median)',
    'ratio per run',
    'driftd p50/p99 ms',
    'BullMQ p50/p99 ms',
  ];
  const body = rows.map((r) => [
    r.scenario,
    String(r.driftd.jobsPerSec),
    String(r.bullmq.jobsPerSec),
    `${r.ratio.toFixed(2)}x`,
    r.ratios.map((x) => `${x.toFixed(2)}x`).join(' '),
    `${r.driftd.p50Ms}/${r.driftd.p99Ms}`,
    `${r.bullmq.p50Ms}/${r.bullmq.p99Ms}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await run();
  console.log(formatRows(rows));
  console.log(
    `latency = enqueue -> completion; all jobs of a scenario are enqueued at once while workers wait; ${REPS} back-to-back pairs per scenario, medians shown`,
  );
}
