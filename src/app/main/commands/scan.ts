import { asValue } from 'awilix';
import { DriftdError } from '../../../domain/errors.js';
import type { TaskId } from '../../../domain/ids.js';
import { isActiveTask, type Task } from '../../../domain/task.js';
import type { DriftdConfig } from '../../config/types.js';
import type { Cradle } from '../../container/cradle.js';
import { createEmbeddedContainer } from '../../container/create-embedded-container.js';
import { disposeContainer } from '../../container/dispose-container.js';
import type { Resolvers } from '../../container/resolvers.js';
import type { StartTaskResult } from '../../use-cases/use-cases.js';
import type { Command, CommandIO } from '../command.js';
import { loadCommandConfig } from '../command-config.js';
import { createProcessLogger } from '../process-logger.js';
import {
  formatScanReport,
  repoReport,
  type ScanRepoReport,
  scanExitCode,
  scanReportJson,
} from '../scan-report.js';
import { watchShutdown } from '../shutdown.js';

/**
 * `driftd scan -config FILE [-repo NAME] [-stack PATH] [-json]`: one-shot scans for CI. Always in-process
 * (memory coordination and in-process workers, even when the config has `redis:`); results are still
 * written to `data_dir`. Exit 0 all in sync, 2 any drift, 1 any error (error wins over drift).
 */

export interface ScanOptions {
  readonly repo?: string;
  readonly stack?: string;
  readonly json: boolean;
  /** Test seams (a scripted plan runner, a fake repo source). */
  readonly overrides?: Resolvers;
}

const POLL_MS = 100;

function notStarted(repo: string, result: Exclude<StartTaskResult, { kind: 'started' }>): ScanRepoReport {
  const why: Record<typeof result.kind, string> = {
    conflict: 'a scan is already running',
    repo_not_found: 'repo not configured',
    stack_not_found: `stack "${'stack' in result ? result.stack : ''}" not found`,
    invalid_stack: 'message' in result ? result.message : 'invalid stack',
    repo_unavailable: 'message' in result ? result.message : 'repo unavailable',
  };
  return { repo, taskId: null, commit: null, error: why[result.kind], stacks: [] };
}

async function waitFinished(c: Cradle, taskId: TaskId, stop: AbortSignal): Promise<Task> {
  for (;;) {
    const task = await c.taskStore.get(taskId);
    if (task === null) throw new DriftdError('DRIFTD_INTERNAL', `task ${taskId} disappeared`);
    if (!isActiveTask(task)) return task;
    if (stop.aborted) await c.cancelTask(taskId, 'driftd scan interrupted');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function scanRepo(c: Cradle, repo: string, stack: string | undefined, stop: AbortSignal) {
  const started = await c.startTask({
    repo,
    ...(stack !== undefined && { stack }),
    trigger: { kind: 'cli' },
  });
  if (started.kind !== 'started') return notStarted(repo, started);
  const task = await waitFinished(c, started.task.id, stop);
  return repoReport(task, await c.taskStore.listTaskJobs(task.id));
}

function selectRepos(config: DriftdConfig, options: ScanOptions): string[] {
  const names = config.repos.map((r) => r.name as string);
  if (options.repo !== undefined) {
    if (!names.includes(options.repo)) {
      throw new DriftdError(
        'DRIFTD_INVALID_INPUT',
        `unknown repo "${options.repo}" (configured: ${names.join(', ')})`,
      );
    }
    return [options.repo];
  }
  if (options.stack !== undefined && names.length !== 1) {
    throw new DriftdError(
      'DRIFTD_INVALID_INPUT',
      '-stack needs -repo NAME when the config has several repos',
    );
  }
  return names;
}

/** Runs the scan(s) in a private embedded container and prints the report; returns the exit code. */
export async function runScan(config: DriftdConfig, options: ScanOptions, io: CommandIO): Promise<number> {
  const repos = selectRepos(config, options);
  const { redis: _ignored, ...local } = config;
  const logger = createProcessLogger(config, io, 'scan');
  const shutdown = watchShutdown(io);
  const container = createEmbeddedContainer({
    config: local,
    overrides: { logger: asValue(logger), ...options.overrides },
  });
  const c = container.cradle;
  try {
    c.workerPool.start();
    c.reaper.start();
    const reports = await Promise.all(repos.map((r) => scanRepo(c, r, options.stack, shutdown.signal)));
    if (options.json) io.stdout(JSON.stringify(scanReportJson(reports), null, 2));
    else for (const line of formatScanReport(reports)) io.stdout(line);
    return scanExitCode(reports);
  } finally {
    shutdown.dispose();
    await disposeContainer(container, 0);
  }
}

function stringFlag(value: string | true | undefined, name: string): string | undefined {
  if (value === true) throw new DriftdError('DRIFTD_INVALID_INPUT', `flag -${name} needs a value`);
  return value;
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Scan once in-process (for CI) and print the verdicts; exit 0 in sync, 2 drift, 1 error.',
  usage: 'driftd scan -config FILE [-repo NAME] [-stack PATH] [-json]',
  flags: [
    { name: 'repo', value: 'NAME', description: 'scan only this repo (default: every configured repo)' },
    { name: 'stack', value: 'PATH', description: 'scan only this stack of the repo' },
    { name: 'json', description: 'print the report as JSON instead of text' },
  ],
  async run(args, io) {
    const repo = stringFlag(args.flags.repo, 'repo');
    const stack = stringFlag(args.flags.stack, 'stack');
    const loaded = await loadCommandConfig(args, io);
    // CI output stays readable: only warnings and errors are logged unless -log-level asks for more.
    const chatty = ['info', 'debug', 'trace'].includes(loaded.logLevel) && args.logLevel === undefined;
    const config = chatty ? { ...loaded, logLevel: 'warn' as const } : loaded;
    return runScan(
      config,
      { ...(repo && { repo }), ...(stack && { stack }), json: args.flags.json === true },
      io,
    );
  },
};
