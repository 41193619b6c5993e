import { afterEach, describe, expect, it } from 'vitest';
import { DriftdError } from '../../src/domain/errors.js';
import type { RepoName } from '../../src/domain/ids.js';
import { type Harness, makeHarness } from '../support/app-harness.js';
import { testRepo } from '../support/test-config.js';

const repos = [
  testRepo('infra', { stacks: ['envs/prod', 'envs/staging'] }),
  testRepo('auto'),
  testRepo('eager', { stacks: ['a', 'b'], cancelInflightOnNewTrigger: true }),
];
const api = { kind: 'api' };

describe('startTask', () => {
  let h: Harness;
  afterEach(() => h?.cleanup());

  async function setup() {
    h = await makeHarness({ repos });
    h.repoSource.setRepo('infra', { commit: 'c0ffee0000000000', stacks: ['envs/prod', 'envs/staging'] });
    h.repoSource.setRepo('auto', { commit: 'aaaa1111', stacks: ['.', 'modules-free/x', 'svc'] });
    h.repoSource.setRepo('eager', { commit: 'bbbb2222', stacks: ['a', 'b'] });
    return h;
  }

  it('fans a configured repo out into one pending job per stack, pinned to the resolved commit', async () => {
    const { c, events } = await setup();
    const r = await c.startTask({ repo: 'infra', trigger: { kind: 'api', actor: 'ci', commit: 'abc' } });
    if (r.kind !== 'started') throw new Error(r.kind);
    const ts = r.task.id.split(':')[1];
    expect(r.task).toMatchObject({ repo: 'infra', status: 'running', commit: 'c0ffee0000000000' });
    expect(r.task.counters).toMatchObject({ total: 2, queued: 2, running: 0 });
    expect(r.jobs.map((j) => j.id)).toEqual([`infra:envs/prod:${ts}`, `infra:envs/staging:${ts}`]);
    expect(r.jobs.every((j) => j.status === 'pending' && j.maxAttempts === 2)).toBe(true);
    expect(events.map((e) => e.type)).toContain('task.started');
    expect(h.repoSource.discoverCalls).toBe(0);
  });

  it('discovers stacks when none are configured, once per commit', async () => {
    const { c } = await setup();
    const first = await c.startTask({ repo: 'auto', trigger: api });
    if (first.kind !== 'started') throw new Error(first.kind);
    expect(first.jobs.map((j) => j.stack)).toEqual(['.', 'modules-free/x', 'svc']);
    await c.cancelTask(first.task.id);
    const second = await c.startTask({ repo: 'auto', trigger: api, stack: './svc/' });
    expect(second).toMatchObject({ kind: 'started', task: { stack: 'svc', counters: { total: 1 } } });
    expect(h.repoSource.discoverCalls).toBe(1);
  });

  it('gives two tasks started in the same millisecond different ids', async () => {
    const { c } = await setup();
    const a = await c.startTask({ repo: 'infra', trigger: api });
    const b = await c.startTask({ repo: 'auto', trigger: api });
    if (a.kind !== 'started' || b.kind !== 'started') throw new Error('not started');
    expect(a.task.id.split(':')[1]).not.toBe(b.task.id.split(':')[1]);
  });

  it('answers repo_not_found, invalid_stack and stack_not_found without creating anything', async () => {
    const { c } = await setup();
    expect(await c.startTask({ repo: 'nope', trigger: api })).toEqual({ kind: 'repo_not_found' });
    expect(await c.startTask({ repo: 'infra', trigger: api, stack: '../etc' })).toMatchObject({
      kind: 'invalid_stack',
      message: expect.stringContaining('".."'),
    });
    expect(await c.startTask({ repo: 'infra', trigger: api, stack: 'envs/dev' })).toEqual({
      kind: 'stack_not_found',
      stack: 'envs/dev',
    });
    expect(await c.startTask({ repo: 'auto', trigger: api, stack: 'nope' })).toMatchObject({
      kind: 'stack_not_found',
    });
    expect(await c.taskStore.getActive('infra' as RepoName)).toBeNull();
  });

  it('reports repo_unavailable with the redacted message and records it as the repo error until a fetch works', async () => {
    const { c, repoSource } = await setup();
    repoSource.failResolve(
      'infra',
      new DriftdError('DRIFTD_REPO_FETCH_FAILED', 'fetching repo infra failed: auth'),
    );
    const r = await c.startTask({ repo: 'infra', trigger: api });
    expect(r).toEqual({ kind: 'repo_unavailable', message: 'fetching repo infra failed: auth' });
    expect(await c.resultStore.getRepoError('infra' as RepoName)).toMatchObject({
      message: r.kind === 'repo_unavailable' ? r.message : '',
    });
    expect(await c.taskStore.getActive('infra' as RepoName)).toBeNull();

    repoSource.failResolve('infra', new Error('https://user:hunter2@example.com/x.git: boom'));
    const leaky = await c.startTask({ repo: 'infra', trigger: api });
    expect(leaky).toEqual({ kind: 'repo_unavailable', message: 'repo infra is unavailable' });

    repoSource.failResolve('infra', null);
    expect((await c.startTask({ repo: 'infra', trigger: api })).kind).toBe('started');
    expect(await c.resultStore.getRepoError('infra' as RepoName)).toBeNull();
  });

  it('returns the active task as a conflict without touching git', async () => {
    const { c, repoSource } = await setup();
    const first = await c.startTask({ repo: 'infra', trigger: api });
    const calls = repoSource.resolveCalls;
    const second = await c.startTask({ repo: 'infra', trigger: api });
    expect(second).toMatchObject({
      kind: 'conflict',
      active: { id: first.kind === 'started' ? first.task.id : '' },
    });
    expect(repoSource.resolveCalls).toBe(calls);
  });

  it('with cancel_inflight, supersedes the active task unless the trigger opts out or is a single stack', async () => {
    const { c, events } = await setup();
    const first = await c.startTask({ repo: 'eager', trigger: api });
    if (first.kind !== 'started') throw new Error(first.kind);
    expect(
      await c.startTask({ repo: 'eager', trigger: { kind: 'schedule' }, allowSupersede: false }),
    ).toMatchObject({
      kind: 'conflict',
    });
    // A single-stack trigger never cancels a running full scan, even with cancel_inflight.
    expect(await c.startTask({ repo: 'eager', trigger: api, stack: 'a' })).toMatchObject({
      kind: 'conflict',
      active: { id: first.task.id },
    });
    const second = await c.startTask({ repo: 'eager', trigger: api });
    expect(second).toMatchObject({ kind: 'started', superseded: { id: first.task.id, status: 'canceled' } });
    expect(await c.queries.getTask(first.task.id)).toMatchObject({ status: 'canceled' });
    expect(events.filter((e) => e.type === 'task.canceled')).toHaveLength(1);
    // ...but a single-stack task may be superseded by another single-stack trigger.
    if (second.kind !== 'started') throw new Error(second.kind);
    await c.cancelTask(second.task.id);
    await c.startTask({ repo: 'eager', trigger: api, stack: 'a' });
    expect(await c.startTask({ repo: 'eager', trigger: api, stack: 'b' })).toMatchObject({ kind: 'started' });
  });

  it('cancels a task once; a finished or unknown task is reported as such', async () => {
    const { c } = await setup();
    const r = await c.startTask({ repo: 'infra', trigger: api });
    if (r.kind !== 'started') throw new Error(r.kind);
    expect(await c.cancelTask(r.task.id, 'test')).toMatchObject({
      kind: 'canceled',
      task: { reason: 'test' },
    });
    expect(await c.cancelTask(r.task.id)).toMatchObject({ kind: 'not_active' });
    expect(await c.cancelTask('not a task')).toEqual({ kind: 'not_found' });
    expect(await c.cancelTask('infra:1')).toEqual({ kind: 'not_found' });
    expect(await c.jobQueue.stats()).toMatchObject({ pending: 0 });
  });
});
