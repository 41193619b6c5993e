/**
 * `npm run bench`: runs every benchmark module in bench/ in this process, one after the other, and prints
 * one table. Each module exports `run()`; its rows are mapped here to the common shape (benchmark, case,
 * figure, value, unit, baseline, ratio, goal, verdict). Ratios compare figures measured in the same run
 * (BullMQ on the same Redis, a no-op route, a smaller case), never a figure against a fixed time.
 *
 *   npm run bench               every module
 *   npm run bench -- queue ui   only those
 *
 * Each module runs in its own child process (a fresh heap, and a crash or a hang is contained: limit
 * BENCH_MODULE_TIMEOUT_S, default 900); a module that is missing or fails is reported in the table and the
 * others still run. Progress goes to stderr, the table to stdout.
 */

import { fork } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { arch, cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchRow, formatTable, round, verdictOf } from './support/bench-table.js';

const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));

type Row = Record<string, unknown>;
type Adapter = (rows: readonly Row[]) => BenchRow[];

interface QueueMeasure {
  readonly jobsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** bench/queue.ts: driftd vs BullMQ jobs/s per scenario. Goal (issue 3): ≥ 1.5× at concurrency 5 and 50, never below 1×. */
const queueRows: Adapter = (rows) =>
  rows.flatMap((r) => {
    const scenario = String(r.scenario);
    const driftd = r.driftd as QueueMeasure;
    const bullmq = r.bullmq as QueueMeasure;
    const limit = /concurrency (5|50)$/.test(scenario) ? 1.5 : 1;
    const ratio = typeof r.ratio === 'number' ? r.ratio : driftd.jobsPerSec / bullmq.jobsPerSec;
    return [
      {
        benchmark: 'queue',
        case: scenario,
        figure: 'jobs/s (enqueue → last completion)',
        value: driftd.jobsPerSec,
        unit: 'jobs/s',
        baseline: `BullMQ ${bullmq.jobsPerSec.toLocaleString('en-US')} jobs/s, same run (median ratio of ${Array.isArray(r.ratios) ? r.ratios.length : 1} back-to-back pairs)`,
        ratio,
        goal: `ratio ≥ ${limit}`,
        verdict: verdictOf(ratio >= limit),
      },
      {
        benchmark: 'queue',
        case: scenario,
        figure: 'p50 / p99 enqueue → completion',
        value: driftd.p99Ms,
        unit: `ms p99 (p50 ${driftd.p50Ms})`,
        baseline: `BullMQ p99 ${bullmq.p99Ms} ms`,
        ratio: bullmq.p99Ms > 0 ? driftd.p99Ms / bullmq.p99Ms : undefined,
        verdict: 'info',
      },
    ];
  });

/** bench/ui.ts: render p50/p99 per page (goal: p50 under the page's goal) and page weight (goal < 200 KB). */
const uiRows: Adapter = (rows) =>
  rows.flatMap((r) => {
    const page = String(r.page);
    const p50 = Number(r.p50Ms);
    const goal = Number(r.goalP50Ms);
    const weightKb = round(Number(r.weightBytes) / 1024, 1);
    return [
      {
        benchmark: 'ui',
        case: page,
        figure: 'render p50 (p99)',
        value: round(p50, 2),
        unit: `ms (p99 ${round(Number(r.p99Ms), 2)})`,
        goal: `p50 < ${goal} ms`,
        verdict: verdictOf(p50 < goal),
      },
      {
        benchmark: 'ui',
        case: page,
        figure: 'page weight (HTML+CSS+JS)',
        value: weightKb,
        unit: 'KB',
        goal: '< 200 KB',
        verdict: verdictOf(weightKb < 200),
      },
    ];
  });

/** Rows already in the common shape are kept; any other object becomes one row per numeric field. */
const genericRows =
  (benchmark: string): Adapter =>
  (rows) =>
    rows.flatMap((r): BenchRow[] => {
      if (typeof r.figure === 'string' && typeof r.value === 'number')
        return [{ ...(r as object), benchmark } as BenchRow];
      const label = Object.values(r).find((v) => typeof v === 'string') ?? '';
      return Object.entries(r)
        .filter(([, v]) => typeof v === 'number')
        .map(([key, v]) => ({ benchmark, case: String(label), figure: key, value: v as number, unit: '' }));
    });

/** Registered modules, in run order (quick ones first). */
const MODULES: readonly { readonly name: string; readonly adapt: Adapter }[] = [
  { name: 'ui', adapt: uiRows },
  { name: 'api', adapt: genericRows('api') },
  { name: 'queue', adapt: queueRows },
  { name: 'scale', adapt: genericRows('scale') },
];

function note(benchmark: string, message: string): BenchRow {
  return { benchmark, case: message, figure: '', value: Number.NaN, unit: '', verdict: 'info' };
}

/** Other bench/*.ts files that export `run()` (found by text, so unrelated scripts are never executed). */
async function unregisteredModules(): Promise<string[]> {
  const known = new Set(MODULES.map((m) => `${m.name}.ts`).concat('run-all.ts'));
  const names = (await readdir(BENCH_DIR)).filter((f) => f.endsWith('.ts') && !known.has(f));
  const out: string[] = [];
  for (const f of names) {
    if (/export async function run\(/.test(await readFile(`${BENCH_DIR}${f}`, 'utf8')))
      out.push(f.slice(0, -3));
  }
  return out;
}

/** Per-module limit: a module that hangs is stopped and reported, and the others still run. */
const MODULE_TIMEOUT_MS = Number(process.env.BENCH_MODULE_TIMEOUT_S ?? 900) * 1000;

/**
 * Runs one module in a child process (this file with `--child NAME`), so a crash, a hang or leftover
 * timers of one benchmark cannot take the others down, and each starts with a fresh heap.
 */
function runInChild(name: string): Promise<{ rows?: Row[]; error?: string }> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', name], { execArgv: ['--import', 'tsx'] });
    let settled: { rows?: Row[]; error?: string } | null = null;
    const timer = setTimeout(() => {
      settled ??= { error: `did not finish within ${MODULE_TIMEOUT_MS / 1000} s: stopped` };
      child.kill('SIGKILL');
    }, MODULE_TIMEOUT_MS);
    child.on('message', (m: { rows?: Row[]; error?: string }) => {
      settled ??= m;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(settled ?? { error: `exited with ${signal ?? `code ${code}`} before reporting` });
    });
  });
}

async function runModule(name: string, adapt: Adapter): Promise<BenchRow[]> {
  const present = await readFile(`${BENCH_DIR}${name}.ts`).then(
    () => true,
    () => false,
  );
  if (!present) return [note(name, `bench/${name}.ts is not present: not run`)];
  const started = performance.now();
  const { rows, error } = await runInChild(name);
  process.stderr.write(`bench: ${name} done in ${round((performance.now() - started) / 1000, 1)} s\n`);
  if (error !== undefined || rows === undefined) return [note(name, `failed: ${error ?? 'no rows'}`)];
  try {
    return adapt(rows);
  } catch (e) {
    return [note(name, `rows of an unexpected shape: ${e instanceof Error ? e.message : String(e)}`)];
  }
}

/** Child side: import bench/NAME.ts, run it, send its rows to the parent. */
async function childMain(name: string): Promise<void> {
  try {
    const mod = (await import(pathToFileURL(`${BENCH_DIR}${name}.ts`).href)) as {
      run?: () => Promise<Row[]>;
    };
    if (typeof mod.run !== 'function') throw new Error(`bench/${name}.ts exports no run()`);
    const rows = await mod.run();
    await new Promise((resolve) => process.send!({ rows: JSON.parse(JSON.stringify(rows)) }, resolve));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await new Promise((resolve) => process.send!({ error: message }, resolve));
  }
  process.exit(0);
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const memGb = round(totalmem() / 1024 ** 3, 1);
  return `${cpus().length} × ${cpu}, ${memGb} GB, ${arch()}, Node ${process.versions.node}`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  if (only[0] === '--child') return childMain(only[1]!);
  const extra = (await unregisteredModules()).map((name) => ({ name, adapt: genericRows(name) }));
  const selected = [...MODULES, ...extra].filter((m) => only.length === 0 || only.includes(m.name));
  const rows: BenchRow[] = [];
  for (const m of selected) {
    process.stderr.write(`bench: running ${m.name}\n`);
    rows.push(...(await runModule(m.name, m.adapt)));
  }
  console.log(`driftd benchmarks, ${new Date().toISOString().slice(0, 10)}, ${machine()}\n`);
  console.log(formatTable(rows));
  const missed = rows.filter((r) => r.verdict === 'missed').length;
  console.log(`\n${rows.length} figures, ${missed} goal${missed === 1 ? '' : 's'} missed.`);
}

await main();
