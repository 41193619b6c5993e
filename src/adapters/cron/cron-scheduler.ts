import type { StartTask, StartTaskResult } from '../../app/use-cases/use-cases.js';
import type { Logger } from '../../ports/logger.port.js';
import { CronTrigger, type ScheduledRepo } from './cron-trigger.js';

export interface CronSchedulerDeps {
  readonly repos: readonly ScheduledRepo[];
  readonly startTask: StartTask;
  readonly logger: Logger;
  /** [0, 1) source for the jitter delay; injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

export interface NextRun {
  readonly repo: string;
  readonly schedule: string;
  readonly timezone: string | null;
  /** Epoch ms, or null when the expression has no future date. */
  readonly nextRunAt: number | null;
}

/**
 * Per-repo scheduled scans (serve process only). A tick waits a random jitter in `[0, jitterMs)`, then
 * starts a full scan with trigger `schedule` and `allowSupersede: false`: a scheduled trigger never
 * cancels a running task, so a tick while one runs is a conflict, logged at info and skipped.
 * Tests call `fire(repo)` instead of waiting for the clock.
 */
export class CronScheduler {
  private readonly triggers = new Map<string, CronTrigger>();
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly sleeping = new Set<() => void>();
  private stopped = false;

  constructor(private readonly deps: CronSchedulerDeps) {
    this.random = deps.random ?? Math.random;
    this.log = deps.logger.child({ component: 'cron' });
    for (const repo of deps.repos) {
      if (repo.schedule === undefined) continue;
      const scheduled = { ...repo, schedule: repo.schedule };
      const trigger = new CronTrigger(
        scheduled,
        () => this.tick(scheduled),
        (error) => this.log.error({ repo: repo.name, err: errorOf(error) }, 'scheduled tick failed'),
      );
      this.triggers.set(repo.name, trigger);
    }
  }

  start(): void {
    this.stopped = false;
    for (const trigger of this.triggers.values()) trigger.start();
    this.log.info({ repos: [...this.triggers.keys()] }, 'scheduler started');
  }

  /** Stops every clock, cancels pending jitter delays (their ticks start nothing) and waits for running ticks. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleeping]) wake();
    await Promise.all([...this.triggers.values()].map((t) => t.stop()));
  }

  /** Runs `repo`'s tick now (jitter included). Null when the scheduler stopped before it started a task. */
  async fire(repo: string): Promise<StartTaskResult | null> {
    const trigger = this.triggers.get(repo);
    if (trigger === undefined) throw new Error(`repo "${repo}" has no schedule`);
    return this.tick(trigger.repo);
  }

  /** The next fire time per scheduled repo, for the UI. */
  nextRuns(): NextRun[] {
    return [...this.triggers.values()].map((t) => ({
      repo: t.repo.name,
      schedule: t.repo.schedule,
      timezone: t.repo.timezone ?? null,
      nextRunAt: t.nextRunAt(),
    }));
  }

  private async tick(repo: ScheduledRepo): Promise<StartTaskResult | null> {
    const delay = Math.floor(this.random() * Math.max(0, repo.jitterMs));
    if (delay > 0) await this.sleep(delay);
    if (this.stopped) return null;
    const log = this.log.child({ repo: repo.name });
    try {
      const result = await this.deps.startTask({
        repo: repo.name,
        trigger: { kind: 'schedule' },
        allowSupersede: false,
      });
      report(log, result, delay);
      return result;
    } catch (error) {
      log.error({ err: errorOf(error) }, 'scheduled task could not start');
      return null;
    }
  }

  /** Resolves after `ms`, or at once when `stop()` is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }
}

function report(log: Logger, result: StartTaskResult, jitterMs: number): void {
  switch (result.kind) {
    case 'started':
      log.info({ taskId: result.task.id, jobs: result.jobs.length, jitterMs }, 'scheduled task started');
      return;
    case 'conflict':
      log.info({ activeTaskId: result.active.id }, 'scheduled task skipped: a task is still running');
      return;
    case 'repo_unavailable':
    case 'invalid_stack':
      log.warn({ reason: result.message }, `scheduled task not started: ${result.kind}`);
      return;
    default:
      log.warn({ result: result.kind }, `scheduled task not started: ${result.kind}`);
  }
}

function errorOf(error: unknown): { message: string } {
  return { message: error instanceof Error ? error.message : String(error) };
}
