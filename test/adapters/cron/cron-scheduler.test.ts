import { afterEach, describe, expect, it, vi } from 'vitest';
import { CronScheduler, type CronSchedulerDeps } from '../../../src/adapters/cron/cron-scheduler.js';
import type { StartTask } from '../../../src/app/use-cases/use-cases.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import { makeTaskId, type RepoName } from '../../../src/domain/ids.js';
import { createTask } from '../../../src/domain/task.js';
import type { Logger } from '../../../src/ports/logger.port.js';
import { FakeDriftd } from '../http/fake-driftd.js';

interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg?: string;
}

/** A Logger that keeps what it was told, bindings included. */
function recordingLogger(lines: LogLine[] = [], bindings: object = {}): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: { ...bindings, ...obj }, ...(msg !== undefined && { msg }) });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => recordingLogger(lines, { ...bindings, ...b }),
  };
}

let scheduler: CronScheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

function setup(overrides: Partial<CronSchedulerDeps> & { fake?: FakeDriftd } = {}) {
  const fake = overrides.fake ?? new FakeDriftd().addRepo('infra', ['a', 'b']).addRepo('quiet', ['x']);
  const startTask = vi.fn<StartTask>(fake.startTask);
  const logger = recordingLogger();
  scheduler = new CronScheduler({
    repos: [
      { name: 'infra', schedule: '0 */6 * * *', timezone: 'UTC', jitterMs: 0 },
      { name: 'quiet', jitterMs: 0 },
    ],
    startTask,
    logger,
    ...overrides,
  });
  return { fake, startTask, logger, scheduler };
}

describe('CronScheduler', () => {
  it('fire() starts a full scan with trigger schedule and allowSupersede false', async () => {
    const { startTask } = setup();
    const result = await scheduler!.fire('infra');
    expect(startTask).toHaveBeenCalledExactlyOnceWith({
      repo: 'infra',
      trigger: { kind: 'schedule' },
      allowSupersede: false,
    });
    expect(result).toMatchObject({ kind: 'started', task: { repo: 'infra', trigger: { kind: 'schedule' } } });
  });

  it('a tick while a task runs is a conflict: logged at info, never an error, nothing superseded', async () => {
    const fake = new FakeDriftd().addRepo('infra', ['a'], { cancelInflight: true });
    const active = createTask(
      {
        id: makeTaskId('infra' as RepoName, 1),
        repo: 'infra' as RepoName,
        trigger: { kind: 'api' },
        total: 1,
      },
      1,
    );
    fake.setActive(active);
    const { logger } = setup({ fake, repos: [{ name: 'infra', schedule: '0 * * * *', jitterMs: 0 }] });
    const result = await scheduler!.fire('infra');
    expect(result).toEqual({ kind: 'conflict', active });
    expect(fake.tasks.get(active.id)?.status).toBe('created');
    expect(logger.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        obj: expect.objectContaining({ repo: 'infra', activeTaskId: active.id }),
      }),
    );
  });

  it.each([
    { random: 0, jitterMs: 80, delay: 0 },
    { random: 0.5, jitterMs: 80, delay: 40 },
    { random: 0.999, jitterMs: 80, delay: 79 },
  ])('jitter: random $random of $jitterMs ms waits $delay ms (< jitter) before starting', async (c) => {
    const { startTask, logger } = setup({
      random: () => c.random,
      repos: [{ name: 'infra', schedule: '0 * * * *', jitterMs: c.jitterMs }],
    });
    const t0 = performance.now();
    await scheduler!.fire('infra');
    const elapsed = performance.now() - t0;
    expect(startTask).toHaveBeenCalledOnce();
    const started = logger.lines.find((l) => l.msg === 'scheduled task started');
    expect(started?.obj).toMatchObject({ jitterMs: c.delay });
    expect(c.delay).toBeLessThan(c.jitterMs);
    // Timers never fire early; the upper bound only allows for a loaded machine.
    expect(elapsed).toBeGreaterThanOrEqual(c.delay - 1);
    expect(elapsed).toBeLessThan(c.delay + 500);
  });

  it('refuses an invalid cron expression or time zone clearly, naming the repo', () => {
    const make = (schedule: string, timezone?: string) => () =>
      new CronScheduler({
        repos: [{ name: 'bad-repo', schedule, jitterMs: 0, ...(timezone && { timezone }) }],
        startTask: async () => ({ kind: 'repo_not_found' }),
        logger: recordingLogger(),
      });
    for (const [schedule, tz] of [
      ['every hour'],
      ['61 * * * *'],
      ['0 * * * *', 'Mars/Olympus_Mons'],
    ] as const) {
      let thrown: unknown;
      try {
        make(schedule, tz)();
      } catch (error) {
        thrown = error;
      }
      expect(isDriftdError(thrown, 'DRIFTD_CONFIG_INVALID'), `${schedule} ${tz ?? ''}`).toBe(true);
      expect((thrown as Error).message).toContain('repo "bad-repo"');
      expect((thrown as Error).message).toContain(schedule);
    }
  });

  it('nextRuns() lists scheduled repos only, with the next fire time in their zone', () => {
    setup();
    const runs = scheduler!.nextRuns();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({ repo: 'infra', schedule: '0 */6 * * *', timezone: 'UTC' });
    const next = new Date(run!.nextRunAt!);
    expect(run!.nextRunAt!).toBeGreaterThan(Date.now());
    expect(run!.nextRunAt! - Date.now()).toBeLessThanOrEqual(6 * 3600_000);
    expect([next.getUTCMinutes(), next.getUTCSeconds(), next.getUTCHours() % 6]).toEqual([0, 0, 0]);
  });

  it('fire() of a repo without a schedule is refused', async () => {
    setup();
    await expect(scheduler!.fire('quiet')).rejects.toThrow('repo "quiet" has no schedule');
  });

  it('stop() cancels a tick waiting out its jitter: it starts nothing', async () => {
    const { startTask } = setup({
      random: () => 0.9,
      repos: [{ name: 'infra', schedule: '0 * * * *', jitterMs: 10_000 }],
    });
    scheduler!.start();
    const pending = scheduler!.fire('infra');
    const t0 = performance.now();
    await scheduler!.stop();
    await expect(pending).resolves.toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(startTask).not.toHaveBeenCalled();
  });

  it('start() runs ticks on the clock; stop() stops them', async () => {
    const { startTask } = setup({ repos: [{ name: 'infra', schedule: '* * * * * *', jitterMs: 0 }] });
    scheduler!.start();
    const deadline = Date.now() + 2500;
    while (startTask.mock.calls.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(startTask).toHaveBeenCalledWith({
      repo: 'infra',
      trigger: { kind: 'schedule' },
      allowSupersede: false,
    });
    await scheduler!.stop();
    const calls = startTask.mock.calls.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(startTask.mock.calls.length).toBe(calls);
  });
});
