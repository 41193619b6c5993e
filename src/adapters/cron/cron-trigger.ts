import { CronJob, validateCronExpression } from 'cron';
import { DriftdError } from '../../domain/errors.js';

/** A repo as the scheduler sees it (the `repos:` config slice). */
export interface ScheduledRepo {
  readonly name: string;
  /** Cron expression (5 or 6 fields); repos without one are not scheduled. */
  readonly schedule?: string;
  /** IANA zone for `schedule`; default the server's. */
  readonly timezone?: string;
  /** Random delay up to this many ms before a scheduled task starts (spread). */
  readonly jitterMs: number;
}

/**
 * One repo's schedule: a `CronJob` created stopped. `waitForCompletion` makes a tick that is still
 * running (jitter delay + startTask) swallow the next tick instead of overlapping it. The config schema
 * validates expressions first; this refuses a bad one clearly anyway, naming the repo.
 */
export class CronTrigger {
  private readonly job: CronJob;

  constructor(
    readonly repo: ScheduledRepo & { readonly schedule: string },
    onTick: () => Promise<unknown>,
    onError: (error: unknown) => void,
  ) {
    const where = `repo "${repo.name}": schedule "${repo.schedule}"`;
    const check = validateCronExpression(repo.schedule);
    if (!check.valid) {
      throw new DriftdError(
        'DRIFTD_CONFIG_INVALID',
        `${where} is not a valid cron expression: ${check.error?.message ?? 'invalid'}`,
      );
    }
    try {
      this.job = CronJob.from({
        cronTime: repo.schedule,
        onTick: async () => {
          await onTick();
        },
        start: false,
        waitForCompletion: true,
        errorHandler: onError,
        ...(repo.timezone !== undefined && { timeZone: repo.timezone }),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DriftdError(
        'DRIFTD_CONFIG_INVALID',
        `${where} (timezone ${repo.timezone ?? 'local'}) is invalid: ${reason}`,
      );
    }
  }

  start(): void {
    this.job.start();
  }

  /** Stops the clock; resolves once a tick in progress has finished. */
  async stop(): Promise<void> {
    await this.job.stop();
  }

  get running(): boolean {
    return this.job.isActive;
  }

  /** Epoch ms of the next tick (whether or not the trigger is started), or null if there is none. */
  nextRunAt(): number | null {
    try {
      return this.job.nextDate().toMillis();
    } catch {
      return null;
    }
  }
}
