import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDriftd,
  createMemoryCoordination,
  type DomainEvent,
  type Driftd,
  type DriftdOptions,
  isDriftdError,
  type Logger,
  MemoryEventBus,
  MemoryResultStore,
  type RepoName,
  type StackPath,
  SystemClock,
} from '../../src/index.js';
import { FakeRepoSource } from '../support/fake-repo-source.js';
import { drifted, ScriptedPlanRunner, StaticToolResolver } from '../support/scripted-plan-runner.js';

/** A Logger that keeps every line, to prove the default one is not used when a host supplies its own. */
class RecordingLogger implements Logger {
  readonly lines: { level: string; msg: string | undefined }[] = [];
  debug = (_o: object, msg?: string) => void this.lines.push({ level: 'debug', msg });
  info = (_o: object, msg?: string) => void this.lines.push({ level: 'info', msg });
  warn = (_o: object, msg?: string) => void this.lines.push({ level: 'warn', msg });
  error = (_o: object, msg?: string) => void this.lines.push({ level: 'error', msg });
  child = (): Logger => this;
}

describe('createDriftd', () => {
  let dir: string;
  let repoSource: FakeRepoSource;
  let runner: ScriptedPlanRunner;
  const open: Driftd[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-lib-'));
    repoSource = new FakeRepoSource(dir).setRepo('infra', {
      commit: 'c0ffee',
      stacks: ['envs/dev', 'envs/prod'],
    });
    runner = new ScriptedPlanRunner().script('envs/prod', { outcome: drifted() });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const rawConfig = () => ({
    data_dir: join(dir, 'data'),
    tools: { cache_dir: join(dir, 'cache'), install: false, switchers: false },
    worker: { concurrency: 2 },
    repos: [{ name: 'infra', url: 'file:///srv/git/infra.git' }],
  });

  async function make(options: Partial<DriftdOptions> = {}): Promise<Driftd> {
    const driftd = await createDriftd({
      config: rawConfig(),
      env: {},
      ...options,
      adapters: {
        repoSource,
        planRunner: runner,
        toolResolver: new StaticToolResolver(),
        ...options.adapters,
      },
    });
    open.push(driftd);
    return driftd;
  }

  async function scan(driftd: Driftd) {
    const started = await driftd.startTask({ repo: 'infra' });
    if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
    return { started, waited: await driftd.waitForTask(started.task.id, { timeoutMs: 10_000 }) };
  }

  it('runs a scan on memory coordination with results in data_dir, and emits job events', async () => {
    const driftd = await make();
    const completed: string[] = [];
    driftd.events.on('job.completed', (e) => completed.push(`${e.stack}=${e.status}`));
    driftd.start();
    const { started, waited } = await scan(driftd);
    expect(driftd.mode).toBe('memory');
    expect(started.task.trigger).toEqual({ kind: 'library' });
    expect(waited).toMatchObject({
      kind: 'finished',
      task: { status: 'completed', counters: { drifted: 1 } },
    });
    expect(completed.sort()).toEqual(['envs/dev=in_sync', 'envs/prod=drifted']);
    expect((await driftd.getStack('infra', 'envs/prod'))?.summary.status).toBe('drifted');
    expect((await driftd.listRepos())[0]?.counts).toMatchObject({ drifted: 1, in_sync: 1 });
    expect((await driftd.getTask(started.task.id))?.status).toBe('completed');
    expect((await driftd.getJob(started.jobs[0]!.id))?.status).toBe('completed');
    // The default result store writes under data_dir: a second instance on the same dir reads it back.
    const reader = await make();
    expect((await reader.getStack('infra', 'envs/prod'))?.summary.status).toBe('drifted');
  });

  it('reads a YAML config file and reports an invalid one as DRIFTD_CONFIG_INVALID', async () => {
    const file = join(dir, 'driftd.yaml');
    await writeFile(file, `data_dir: ${join(dir, 'data')}\nrepos:\n  - name: infra\n    url: \${REPO_URL}\n`);
    const driftd = await make({ config: file, env: { REPO_URL: 'file:///srv/git/other.git' } });
    expect(driftd.config.source).toBe(file);
    expect(driftd.config.repos[0]?.url).toBe('file:///srv/git/other.git');
    await writeFile(file, 'repos:\n  - name: infra\n    ulr: x\n');
    const error = await createDriftd({ config: file, env: {} }).catch((e: unknown) => e);
    expect(isDriftdError(error, 'DRIFTD_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/driftd\.yaml:3: repos\[0\]\.ulr/);
  });

  it('uses every adapter the host supplies instead of the default', async () => {
    const clock = new SystemClock();
    const coordination = createMemoryCoordination(clock);
    const eventBus = new MemoryEventBus();
    const resultStore = new MemoryResultStore(clock);
    const logger = new RecordingLogger();
    const seen: DomainEvent[] = [];
    eventBus.subscribe((stored) => seen.push(stored.event));
    const driftd = await make({
      adapters: {
        clock,
        logger,
        eventBus,
        resultStore,
        coordination: {
          taskStore: coordination.tasks,
          jobQueue: coordination.queue,
          repoLock: coordination.lock,
        },
      },
    });
    driftd.start();
    const { started } = await scan(driftd);
    expect((await coordination.tasks.get(started.task.id))?.status).toBe('completed');
    expect(seen.map((e) => e.type)).toContain('task.finished');
    expect((await resultStore.getLatest('infra' as RepoName, 'envs/prod' as StackPath))?.result.status).toBe(
      'drifted',
    );
    expect(logger.lines.some((l) => l.level === 'info')).toBe(true);
    expect(runner.runs).toHaveLength(2);
  });

  it('subscribes with on / off / the returned unsubscribe / onAny', async () => {
    const driftd = await make();
    const a: string[] = [];
    const b: string[] = [];
    const any: string[] = [];
    const onA = (e: { stack: string }) => a.push(e.stack);
    driftd.on('job.completed', onA);
    const unsubscribeB = driftd.events.on('job.completed', (e) => b.push(e.stack));
    driftd.events.onAny((e) => any.push(e.type));
    driftd.start();
    await scan(driftd);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(any).toEqual(
      expect.arrayContaining(['task.started', 'job.started', 'job.completed', 'task.finished']),
    );
    driftd.events.off('job.completed', onA);
    unsubscribeB();
    await scan(driftd);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(any.filter((t) => t === 'task.finished')).toHaveLength(2);
  });

  it('returns conflicts, unknown repos and unknown tasks as values', async () => {
    const driftd = await make();
    const first = await driftd.startTask({ repo: 'infra' });
    expect(first.kind).toBe('started');
    expect((await driftd.startTask({ repo: 'infra' })).kind).toBe('conflict');
    expect((await driftd.startTask({ repo: 'nope' })).kind).toBe('repo_not_found');
    expect(await driftd.waitForTask('infra:1')).toEqual({ kind: 'not_found' });
    // No workers started: the task stays running until the timeout.
    const id = first.kind === 'started' ? first.task.id : '';
    expect(await driftd.waitForTask(id, { timeoutMs: 50, pollMs: 10 })).toMatchObject({
      kind: 'timeout',
      task: { status: 'running' },
    });
    expect(await driftd.cancelTask(id, 'by test')).toMatchObject({ kind: 'canceled' });
    expect(await driftd.waitForTask(id)).toMatchObject({ kind: 'finished', task: { status: 'canceled' } });
  });

  it('close() ends pending waits, refuses start() and leaves no timers behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const driftd = await make();
    driftd.start();
    const started = await driftd.startTask({ repo: 'infra' });
    runner.script('envs/dev', { hold: true });
    const id = started.kind === 'started' ? started.task.id : '';
    const waiting = driftd.waitForTask(id, { timeoutMs: 60_000 });
    await driftd.close();
    expect(await waiting).toEqual({ kind: 'closed' });
    expect(() => driftd.start()).toThrow(/after close/);
    await driftd.close();
    await new Promise((r) => setImmediate(r));
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
