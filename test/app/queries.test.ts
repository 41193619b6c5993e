import { asValue } from 'awilix';
import { afterEach, describe, expect, it } from 'vitest';
import { publicUrl } from '../../src/app/use-cases/queries.js';
import type { RepoName, StackPath, TaskId } from '../../src/domain/ids.js';
import { DAY } from '../../src/domain/lock-policy.js';
import { type Harness, type HarnessOptions, makeHarness } from '../support/app-harness.js';
import { drifted, planFailed } from '../support/scripted-plan-runner.js';
import { testRepo } from '../support/test-config.js';

const repos = [
  testRepo('infra', {
    stacks: ['envs/dev', 'envs/prod', 'envs/qa', 'envs/staging'],
    url: 'https://x-access-token:s3cr3t@git.example.com/o/infra.git',
  }),
  testRepo('auto', { schedule: '0 * * * *' }),
];
const api = { kind: 'api' };

describe('queries', () => {
  let h: Harness;
  afterEach(() => h?.cleanup());

  async function setup(options: HarnessOptions = {}) {
    h = await makeHarness({ repos, ...options });
    h.repoSource.setRepo('infra', {
      commit: 'c0ffee00',
      stacks: ['envs/dev', 'envs/prod', 'envs/qa', 'envs/staging'],
    });
    h.repoSource.setRepo('auto', { commit: 'aaaa1111', stacks: ['.', 'svc'] });
    h.c.workerPool.start();
    return h;
  }

  async function scan(repo: string, stack?: string): Promise<TaskId> {
    const r = await h.c.startTask({ repo, trigger: api, ...(stack !== undefined && { stack }) });
    if (r.kind !== 'started') throw new Error(r.kind);
    // Wait for the event, not the state: read models refresh on events published after the write.
    await h.waitFor(() => h.events.some((e) => e.type === 'task.finished' && e.taskId === r.task.id), 'scan');
    return r.task.id;
  }

  it('counts stack statuses per repo, with stacks that have no result as unknown', async () => {
    const { c, runner } = await setup();
    runner.script('envs/dev', { outcome: drifted() });
    runner.script('envs/prod', { outcome: planFailed('Error: boom') });
    await scan('infra', 'envs/dev');
    let [infra, auto] = await c.queries.listRepos();
    expect(infra).toMatchObject({
      name: 'infra',
      stacks: 4,
      counts: { in_sync: 0, drifted: 1, error: 0, unknown: 3 },
    });
    expect(infra?.url).toBe('https://git.example.com/o/infra.git');
    // Discovered repos show no stacks until a scan discovered them.
    expect(auto).toMatchObject({ stacks: 0, counts: { unknown: 0 }, schedule: '0 * * * *', lastRunAt: null });

    const full = await scan('infra');
    await scan('auto');
    [infra, auto] = await c.queries.listRepos();
    expect(infra).toMatchObject({
      counts: { in_sync: 2, drifted: 1, error: 1, unknown: 0 },
      activeTask: null,
    });
    expect(infra?.lastTask).toMatchObject({ id: full, status: 'failed' });
    expect(infra?.lastRunAt).toBe(h.clock.now());
    expect(auto).toMatchObject({ stacks: 2, counts: { in_sync: 2 } });

    const overview = await c.queries.overview();
    expect(overview.totals).toEqual({ in_sync: 4, drifted: 1, error: 1, unknown: 0 });
    expect(overview.driftHistory).toHaveLength(30);
    expect(overview.driftHistory.at(-1)).toMatchObject({ drifted: 1 });
    expect(overview.driftHistory.at(-2)).toMatchObject({ drifted: 0 });
  });

  it('shows the repo error of a failed fetch', async () => {
    const { c, repoSource } = await setup();
    repoSource.failResolve('auto', new Error('nope'));
    await c.startTask({ repo: 'auto', trigger: api });
    const repo = await c.queries.getRepo('auto');
    expect(repo?.repo.error).toMatchObject({ message: 'repo auto is unavailable' });
    expect(await c.queries.getRepo('missing')).toBeNull();
  });

  it('gives stack details, and null for unknown repos, unknown stacks and unsafe paths', async () => {
    const { c, runner } = await setup();
    runner.script('envs/dev', { outcome: drifted('Objects have changed outside of Terraform') });
    const taskId = await scan('infra');
    const detail = await c.queries.getStack('infra', './envs/dev/');
    expect(detail).toMatchObject({
      summary: {
        stack: 'envs/dev',
        status: 'drifted',
        kinds: ['drift'],
        commit: 'c0ffee00',
        tool: { name: 'terraform' },
      },
      latest: { taskId },
      hasPlanText: true,
    });
    expect(detail?.history).toHaveLength(1);
    expect(await c.queries.getStack('infra', 'envs/nope')).toBeNull();
    expect(await c.queries.getStack('infra', '../x')).toBeNull();
    expect(await c.queries.getStack('nope', 'envs/dev')).toBeNull();
    expect(await c.queries.getPlanText('infra', 'envs/dev')).toContain('changed outside');
    expect(await c.queries.getHistory('infra', '../x', 5)).toBeNull();
    expect(await c.queries.listRepoJobs('nope', 5)).toBeNull();
    expect(await c.queries.listRepoTasks('infra', 5)).toMatchObject([{ id: taskId }]);
    expect((await c.queries.listRepoJobs('infra', 10))?.length).toBe(4);
    expect(await c.queries.listStacks('infra')).toHaveLength(4);
    expect((await c.queries.getRepo('infra'))?.recentTasks).toMatchObject([{ id: taskId }]);
  });

  it('rebuilds the drift history after job events, at most every few seconds', async () => {
    const { c, runner, clock } = await setup();
    runner.script('envs/dev', { outcome: drifted() });
    await scan('infra');
    clock.advance(DAY);
    expect((await c.queries.overview()).driftHistory.at(-1)?.drifted).toBe(1);
    runner.script('envs/prod', { outcome: drifted() });
    await scan('infra');
    // Stale until the refresh interval passed, then rebuilt in the background.
    expect((await c.queries.overview()).driftHistory.at(-1)?.drifted).toBe(1);
    clock.advance(10_000);
    await c.queries.overview();
    await h.waitFor(async () => (await c.queries.overview()).driftHistory.at(-1)?.drifted === 2, 'rebuild');
    expect((await c.queries.overview()).driftHistory.at(-2)?.drifted).toBe(1);
  });

  it('reports health with the coordination ping', async () => {
    const { c } = await setup();
    expect(await c.queries.health()).toMatchObject({
      status: 'ok',
      mode: 'embedded',
      redis: 'not_configured',
    });
    expect((await c.queries.health()).version).toMatch(/^\d+\.\d+\.\d+/);
    await h.cleanup();
    await setup({
      overrides: {
        healthPing: asValue(async () => {
          throw new Error('ECONNREFUSED');
        }),
      },
    });
    expect(await h.c.queries.health()).toMatchObject({ status: 'degraded', redis: 'unreachable' });
  });

  it('strips credentials from repo URLs', () => {
    expect(publicUrl('https://user:pw@host/x.git')).toBe('https://host/x.git');
    expect(publicUrl('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
    expect(publicUrl('/srv/repos/infra')).toBe('/srv/repos/infra');
  });
});

describe('queries at scale', () => {
  let h: Harness;
  afterEach(() => h?.cleanup());

  it('renders the overview of 100 repos × 100 stacks quickly', async () => {
    const stacks = Array.from({ length: 100 }, (_, i) => `stacks/s${String(i).padStart(3, '0')}`);
    const many = Array.from({ length: 100 }, (_, i) => testRepo(`repo-${i}`, { stacks }));
    h = await makeHarness({ repos: many });
    const { c, clock } = h;
    for (const repo of many) {
      for (const [i, stack] of stacks.entries()) {
        const status = i % 10 === 0 ? 'drifted' : 'in_sync';
        await c.resultStore.record(
          {
            repo: repo.name,
            stack: stack as StackPath,
            taskId: `${repo.name}:1` as TaskId,
            jobId: `${repo.name}:${stack}:1` as never,
            attempt: 1,
            trigger: api,
            result: {
              status,
              kinds: status === 'drifted' ? ['drift'] : [],
              summary: { add: 0, change: 0, destroy: 0, import: 0, move: 0, drifted: 0, outputs: 0 },
              resources: [],
              outputs: [],
              diagnostics: [],
            },
            startedAt: clock.now() - 1000,
            finishedAt: clock.now(),
          },
          '',
        );
      }
    }
    const first = await c.queries.overview();
    expect(first.totals).toEqual({ in_sync: 9000, drifted: 1000, error: 0, unknown: 0 });
    expect(first.driftHistory.at(-1)?.drifted).toBe(1000);
    const median = async (cold: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < 21; i++) {
        if (cold) clock.advance(31_000); // past the summary cache max age: every repo is rebuilt
        const t0 = performance.now();
        await c.queries.overview();
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[10]!;
    };
    const warm = await median(false);
    const cold = await median(true);
    console.log(
      `overview, 100 repos × 100 stacks, memory stores: median ${warm.toFixed(2)} ms cached, ${cold.toFixed(2)} ms rebuilt`,
    );
    expect(warm).toBeLessThan(20);
    // A rebuild reads every latest result; loose bound (shared CI machines), it guards against O(n²) regressions.
    expect(cold).toBeLessThan(1_000);
    expect(await c.queries.getRepo('repo-5' as RepoName)).toMatchObject({
      repo: { counts: { drifted: 10 } },
    });
  });
});
