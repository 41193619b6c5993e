/**
 * One process of the scale benchmark, forked by bench/scale.ts with `--import tsx`:
 *
 *   scale-process.ts serve  CONFIG STACKS          the serve side: startTask, lease reaper, outbox pump
 *   scale-process.ts worker CONFIG noop|sleep:MS   `driftd worker`'s container and worker pool
 *
 * Both use the real composition roots (createServeContainer / createWorkerContainer) on real Redis, with
 * only the execution ports replaced: a RepoSource that lists STACKS generated stacks and checks out an
 * empty dir, a ToolResolver that names a binary, and a PlanRunner that answers "no changes" at once (noop)
 * or after MS ms (the sleep stand-in for a real plan). Every Redis command the process sends is counted.
 *
 * IPC: the child sends {type:'ready'}; the parent sends {type:'scan'} (serve only: replies
 * {type:'scanned', ...}), {type:'stats'} (replies {type:'stats', ...}) and {type:'stop'} (exits).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asValue } from 'awilix';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { makeKeys } from '../../src/adapters/redis/keys.js';
import { loadConfigFile } from '../../src/app/config/load-config.js';
import type { Cradle } from '../../src/app/container/cradle.js';
import { createServeContainer } from '../../src/app/container/create-serve-container.js';
import { createWorkerContainer } from '../../src/app/container/create-worker-container.js';
import { disposeContainer } from '../../src/app/container/dispose-container.js';
import { isActiveTask, type Task } from '../../src/domain/task.js';
import type { PlanOutcome, PlanRunner } from '../../src/ports/plan-runner.port.js';
import type { Checkout, RepoSource } from '../../src/ports/repo-source.port.js';
import type { ToolResolver } from '../../src/ports/tool-resolver.port.js';

// ── Redis commands sent by this process (ioredis calls sendCommand once per command, pipelined or not).
const sent = { commands: 0, scripts: 0 };
const seen = new WeakSet<object>();
const original = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command, stream) {
  if (!seen.has(command)) {
    seen.add(command);
    sent.commands++;
    if (command.name === 'evalsha' || command.name === 'eval') sent.scripts++;
  }
  return original.call(this, command, stream);
} as typeof original;

const NO_CHANGES = JSON.stringify({
  format_version: '1.2',
  terraform_version: '1.9.0',
  resource_changes: [],
});

function planRunner(mode: string): PlanRunner {
  const sleepMs = mode.startsWith('sleep:') ? Number(mode.slice('sleep:'.length)) : 0;
  return {
    async run(_request, signal): Promise<PlanOutcome> {
      if (sleepMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, sleepMs);
          const onAbort = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener('abort', onAbort, { once: true });
        });
        if (signal.aborted) return { kind: 'canceled', planText: '' };
      }
      return { kind: 'planned', exitCode: 0, planJson: NO_CHANGES, planText: 'No changes.' };
    },
  };
}

/** Lists `stacks` generated stacks; a checkout is one shared dir in which the job's stack dir exists. */
function repoSource(stacks: number, root: string): RepoSource {
  const names = Array.from({ length: stacks }, (_, i) => `stacks/s${String(i).padStart(5, '0')}`);
  return {
    resolveCommit: async () => 'b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6',
    discoverStacks: async () => names as never,
    async checkout(_repo, commit, _taskId, jobKey): Promise<Checkout> {
      const stack = jobKey.split(':')[1] ?? '.';
      await mkdir(join(root, stack), { recursive: true });
      return { root, commit, dispose: async () => {} };
    },
  };
}

const anyTool: ToolResolver = {
  resolve: async (request) => ({
    ok: true,
    tool: { main: { name: request.tool, version: '1.9.0', path: '/bin/true', source: 'default' } },
  }),
};

function reply(message: Record<string, unknown>): void {
  process.send?.(message);
}

function stats(): Record<string, unknown> {
  // maxRSS: the peak resident set of this process so far, in KiB.
  return {
    type: 'stats',
    rssBytes: process.memoryUsage().rss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...sent,
  };
}

/** serve: starts the task, waits until it finishes (polling like an API client), then until its results are on disk. */
async function scan(c: Cradle): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const started = await c.startTask({ repo: c.repos[0]!.name, trigger: { kind: 'bench' } });
  if (started.kind !== 'started') throw new Error(`bench task did not start: ${started.kind}`);
  const startMs = performance.now() - t0;
  let task: Task | null = started.task;
  while (task && isActiveTask(task)) {
    await new Promise((r) => setTimeout(r, 50));
    task = await c.taskStore.get(started.task.id);
  }
  const wallMs = performance.now() - t0;
  const keys = makeKeys(c.config.redis?.prefix);
  // Results on disk: the outbox (and its processing list) drained into data_dir.
  while ((await c.redis!.llen(keys.outbox)) + (await c.redis!.llen(keys.outboxProcessing)) > 0) {
    await c.outboxPump.drainNow();
  }
  const resultsMs = performance.now() - t0;
  return { type: 'scanned', task, startMs, wallMs, resultsMs };
}

async function main(): Promise<void> {
  const [role, configPath, arg = ''] = process.argv.slice(2);
  const config = await loadConfigFile(configPath!, {});
  const root = join(config.worker.workDir, `checkout-${process.pid}`);
  // BENCH_LOG=warn (or debug, ...) prints the processes' logs to stderr; silent by default.
  const logger = process.env.BENCH_LOG ? pino({ level: process.env.BENCH_LOG }, pino.destination(2)) : null;
  const overrides = {
    ...(logger && { logger: asValue(logger) }),
    repoSource: asValue(repoSource(role === 'serve' ? Number(arg) : 0, root)),
    toolResolver: asValue(anyTool),
    planRunner: asValue(planRunner(arg)),
  };
  const container =
    role === 'serve'
      ? createServeContainer({ config, overrides })
      : createWorkerContainer({ config, overrides });
  const c = container.cradle;
  if (role === 'serve') {
    c.reaper.start();
    c.outboxPump.start();
  } else c.workerPool.start();
  process.on('message', async (m: { type: string }) => {
    try {
      if (m.type === 'scan') reply(await scan(c));
      if (m.type === 'stats') reply(stats());
      if (m.type === 'stop') {
        // As `driftd serve` stops: the last outbox drain runs while Redis is still connected.
        if (role === 'serve') await c.outboxPump.stop();
        await disposeContainer(container, 0);
        process.disconnect?.();
      }
    } catch (error) {
      reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
  reply({ type: 'ready', rssBytes: process.memoryUsage().rss });
}

await main();
