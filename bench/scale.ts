/**
 * Scale benchmark: one task of N stacks through real Redis, a serve process (startTask, lease reaper,
 * outbox pump into an fs data_dir) and 4 worker processes (the worker container, concurrency 5) whose
 * PlanRunner does nothing. Measures wall time (start → task finished), jobs/s, Redis commands per job
 * (server side from INFO commandstats, which also counts the commands run inside Lua scripts; client side
 * as sent by the processes), the time until every result is on disk, and peak RSS of serve and workers,
 * at 1,000 and 10,000 stacks: the 10k figures are compared with 10 × the 1k ones (linear = ratio ≈ 1).
 * A second run gives every plan a 1 s sleep: 200 stacks on 5 × 4 slots, wall time against the ideal
 * (stacks × 1 s / 20 slots).
 *
 * Run: `npx tsx bench/scale.ts` (starts its own redis-server; about 2–3 minutes on 2 cores).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.js';
import { type BenchRow, formatTable, round, verdictOf } from './support/bench-table.js';

const CHILD = fileURLToPath(new URL('./support/scale-process.ts', import.meta.url));
const WORKERS = 4;
const CONCURRENCY = 5;
const MB = 1024 * 1024;

export interface ScaleMeasure {
  readonly stacks: number;
  readonly status: string;
  readonly startMs: number;
  readonly wallMs: number;
  readonly resultsMs: number;
  readonly jobsPerSec: number;
  /** Server side, INFO commandstats delta (includes commands run inside scripts). */
  readonly serverCommandsPerJob: number;
  /** Commands the processes sent (serve + workers). */
  readonly clientCommandsPerJob: number;
  readonly scriptCallsPerJob: number;
  readonly topCommands: string;
  /** RSS once the container is built, before any work (modules loaded; includes tsx's ~35 MB). */
  readonly serveIdleRssMb: number;
  readonly servePeakRssMb: number;
  readonly workerIdleRssMb: number;
  readonly workerPeakRssMb: number;
  readonly redisMemoryMb: number;
}

interface Stats {
  readonly maxRssBytes: number;
  readonly commands: number;
  readonly scripts: number;
}

type Message = { type: string } & Record<string, unknown>;

function request(
  child: ChildProcess,
  message: Message,
  reply: string,
  timeoutMs = 300_000,
): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${reply} from bench process`)), timeoutMs);
    const onMessage = (m: Message) => {
      if (m.type !== reply && m.type !== 'error') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (m.type === 'error') reject(new Error(String(m.message)));
      else resolve(m);
    };
    child.on('message', onMessage);
    if (message.type !== 'none') child.send(message);
  });
}

/** A started bench process and its RSS once its container was built (idle, modules loaded). */
interface Spawned {
  readonly child: ChildProcess;
  readonly readyRssBytes: number;
}

async function spawn(args: readonly string[]): Promise<Spawned> {
  const child = fork(CHILD, [...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await request(child, { type: 'none' }, 'ready', 120_000);
  return { child, readyRssBytes: ready.rssBytes as number };
}

async function stop(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          if (child.connected) child.send({ type: 'stop' });
          else child.kill('SIGTERM');
        }),
    ),
  );
}

function configYaml(dir: string, redisPort: number): string {
  return [
    `data_dir: ${join(dir, 'data')}`,
    'log_level: silent',
    `redis: { addr: "127.0.0.1:${redisPort}" }`,
    `worker: { concurrency: ${CONCURRENCY}, work_dir: ${join(dir, 'work')} }`,
    `tools: { cache_dir: ${join(dir, 'cache')}, install: false, switchers: false }`,
    'repos:',
    '  - name: bench',
    '    url: https://git.example.com/bench.git',
    '',
  ].join('\n');
}

/** Sum of calls per command since the last CONFIG RESETSTAT, without the harness's own INFO/CONFIG. */
async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m && !/^(info|config)/.test(m[1]!)) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/** One task of `stacks` stacks with `plan` (noop | sleep:MS) on fresh processes and a flushed Redis. */
export async function measureTask(redisPort: number, stacks: number, plan: string): Promise<ScaleMeasure> {
  const dir = await mkdtemp(join(tmpdir(), 'driftd-scale-'));
  const configPath = join(dir, 'driftd.yaml');
  await writeFile(configPath, configYaml(dir, redisPort));
  const redis = new Redis({ host: '127.0.0.1', port: redisPort });
  await redis.flushall();
  const spawned: Spawned[] = [];
  const children = () => spawned.map((s) => s.child);
  try {
    spawned.push(await spawn(['serve', configPath, String(stacks)]));
    for (let i = 0; i < WORKERS; i++) spawned.push(await spawn(['worker', configPath, plan]));
    await new Promise((r) => setTimeout(r, 500));
    await redis.config('RESETSTAT');
    const memoryBefore = await usedMemory(redis);
    const scanned = await request(spawned[0]!.child, { type: 'scan' }, 'scanned');
    const memoryAfter = await usedMemory(redis);
    const calls = await commandStats(redis);
    const stats = (await Promise.all(
      children().map((c) => request(c, { type: 'stats' }, 'stats')),
    )) as unknown as Stats[];
    const serverCalls = [...calls.values()].reduce((a, b) => a + b, 0);
    const top = [...calls.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const task = scanned.task as { status: string; counters: { completed: number } };
    const wallMs = scanned.wallMs as number;
    return {
      stacks,
      status: `${task.status} (${task.counters.completed}/${stacks})`,
      startMs: round(scanned.startMs as number, 0),
      wallMs: round(wallMs, 0),
      resultsMs: round(scanned.resultsMs as number, 0),
      jobsPerSec: round(stacks / (wallMs / 1000), 0),
      serverCommandsPerJob: round(serverCalls / stacks, 1),
      clientCommandsPerJob: round(stats.reduce((a, s) => a + s.commands, 0) / stacks, 1),
      scriptCallsPerJob: round(stats.reduce((a, s) => a + s.scripts, 0) / stacks, 1),
      topCommands: top.map(([name, n]) => `${name} ${round(n / stacks, 1)}`).join(', '),
      serveIdleRssMb: round(spawned[0]!.readyRssBytes / MB, 0),
      servePeakRssMb: round(stats[0]!.maxRssBytes / MB, 0),
      workerIdleRssMb: round(Math.max(...spawned.slice(1).map((s) => s.readyRssBytes)) / MB, 0),
      workerPeakRssMb: round(Math.max(...stats.slice(1).map((s) => s.maxRssBytes)) / MB, 0),
      redisMemoryMb: round((memoryAfter - memoryBefore) / MB, 1),
    };
  } finally {
    await stop(children());
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

const SIZES = [1_000, 10_000] as const;
const SLEEP_STACKS = 200;
const SLEEP_MS = 1_000;

function sizeRows(m: ScaleMeasure): BenchRow[] {
  const c = `${m.stacks.toLocaleString('en-US')} stacks, noop plan, ${WORKERS} workers × ${CONCURRENCY}`;
  const row = (figure: string, value: number, unit: string): BenchRow => ({
    benchmark: 'scale',
    case: c,
    figure,
    value,
    unit,
  });
  return [
    {
      ...row('wall time (start → task finished)', round(m.wallMs / 1000, 2), 's'),
      verdict: 'info',
      goal: m.status,
    },
    row('jobs per second', m.jobsPerSec, 'jobs/s'),
    row('startTask (fan-out of all jobs)', m.startMs, 'ms'),
    row('results on disk (start → outbox drained)', round(m.resultsMs / 1000, 2), 's'),
    row('Redis commands per job, server (incl. inside Lua)', m.serverCommandsPerJob, 'cmds'),
    row('Redis commands per job, sent by processes', m.clientCommandsPerJob, 'cmds'),
    row('of which script calls (EVALSHA)', m.scriptCallsPerJob, 'cmds'),
    { ...row('serve peak RSS', m.servePeakRssMb, 'MB'), baseline: `idle ${m.serveIdleRssMb} MB` },
    {
      ...row('worker peak RSS (largest of 4)', m.workerPeakRssMb, 'MB'),
      baseline: `idle ${m.workerIdleRssMb} MB`,
    },
    row('Redis memory growth', m.redisMemoryMb, 'MB'),
  ];
}

/** 10k figures against the 1k ones measured in the same run: per-job ratios (1 = perfectly linear). */
function linearityRows(small: ScaleMeasure, large: ScaleMeasure): BenchRow[] {
  const k = large.stacks / small.stacks;
  const c = `${large.stacks.toLocaleString('en-US')} vs ${small.stacks.toLocaleString('en-US')} stacks`;
  const base = `${small.stacks.toLocaleString('en-US')}-stack run × ${k}`;
  const per = (figure: string, value: number, unit: string, ratio: number, limit: number): BenchRow => ({
    benchmark: 'scale',
    case: c,
    figure,
    value,
    unit,
    baseline: base,
    ratio,
    goal: `ratio ≤ ${limit} (linear)`,
    verdict: verdictOf(ratio <= limit),
  });
  const wall = large.wallMs / (small.wallMs * k);
  const results = large.resultsMs / (small.resultsMs * k);
  const cmds = large.serverCommandsPerJob / small.serverCommandsPerJob;
  return [
    per('wall time', round(large.wallMs / 1000, 2), 's', wall, 1.5),
    per('results on disk', round(large.resultsMs / 1000, 2), 's', results, 1.5),
    {
      ...per('Redis commands per job', large.serverCommandsPerJob, 'cmds', cmds, 1.1),
      baseline: `${small.stacks.toLocaleString('en-US')}-stack run`,
    },
    {
      ...per(
        'worker peak RSS',
        large.workerPeakRssMb,
        'MB',
        large.workerPeakRssMb / small.workerPeakRssMb,
        1.5,
      ),
      baseline: `${small.stacks.toLocaleString('en-US')}-stack run`,
      goal: 'ratio ≤ 1.5 (flat)',
    },
    {
      ...per('serve peak RSS', large.servePeakRssMb, 'MB', large.servePeakRssMb / small.servePeakRssMb, k),
      baseline: `${small.stacks.toLocaleString('en-US')}-stack run`,
      goal: `ratio ≤ ${k} (at most linear)`,
    },
  ];
}

function sleepRow(m: ScaleMeasure): BenchRow {
  const slots = WORKERS * CONCURRENCY;
  const idealMs = (m.stacks * SLEEP_MS) / slots;
  const ratio = m.wallMs / idealMs;
  return {
    benchmark: 'scale',
    case: `${m.stacks} stacks, plan sleeps ${SLEEP_MS / 1000} s, ${WORKERS} workers × ${CONCURRENCY}`,
    figure: 'wall time',
    value: round(m.wallMs / 1000, 2),
    unit: 's',
    baseline: `ideal ${m.stacks} × ${SLEEP_MS / 1000} s / ${slots} slots = ${idealMs / 1000} s`,
    ratio,
    goal: 'ratio ≤ 1.2',
    verdict: verdictOf(ratio <= 1.2),
  };
}

/** Runs the three tasks (1k noop, 10k noop, 200 × 1 s) on one redis-server and returns the table rows. */
export async function run(): Promise<BenchRow[]> {
  const server = await startRedisServer();
  try {
    const measures: ScaleMeasure[] = [];
    for (const stacks of SIZES) measures.push(await measureTask(server.port, stacks, 'noop'));
    const sleep = await measureTask(server.port, SLEEP_STACKS, `sleep:${SLEEP_MS}`);
    if (process.env.BENCH_VERBOSE) console.log(JSON.stringify([...measures, sleep], null, 2));
    const [small, large] = measures as [ScaleMeasure, ScaleMeasure];
    return [...sizeRows(small), ...sizeRows(large), ...linearityRows(small, large), sleepRow(sleep)];
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatTable(await run()));
}
