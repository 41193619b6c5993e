import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asValue } from 'awilix';
import { afterEach, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../src/adapters/fs/fs-result-store.js';
import { GitRepoSource } from '../../src/adapters/git/index.js';
import { MemoryEventBus, SystemClock } from '../../src/adapters/memory/index.js';
import { TerraformPlanRunner } from '../../src/adapters/terraform/terraform-plan-runner.js';
import { NativeToolResolver } from '../../src/adapters/versions/index.js';
import type { Cradle } from '../../src/app/container/cradle.js';
import { createEmbeddedContainer } from '../../src/app/container/create-embedded-container.js';
import { disposeContainer } from '../../src/app/container/dispose-container.js';
import type { RepoName, StackPath } from '../../src/domain/ids.js';
import { FakeRepoSource } from '../support/fake-repo-source.js';
import { drifted, ScriptedPlanRunner, StaticToolResolver } from '../support/scripted-plan-runner.js';
import { testConfig, testRepo } from '../support/test-config.js';

describe('createEmbeddedContainer', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('composes core + memory + local adapters, each container with its own state', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-container-'));
    const config = testConfig({ dataDir: join(dir, 'data'), worker: { workDir: join(dir, 'work') } });
    const a = createEmbeddedContainer({ config });
    const b = createEmbeddedContainer({ config });
    const c: Cradle = a.cradle;
    expect(c.repoSource).toBeInstanceOf(GitRepoSource);
    expect(c.toolResolver).toBeInstanceOf(NativeToolResolver);
    expect(c.planRunner).toBeInstanceOf(TerraformPlanRunner);
    expect(c.resultStore).toBeInstanceOf(FsResultStore);
    expect(c.resultSink).toBe(c.resultStore);
    expect(c.eventBus).toBeInstanceOf(MemoryEventBus);
    expect(c.clock).toBeInstanceOf(SystemClock);
    expect(c.redis).toBeNull();
    expect(c.mode).toBe('embedded');
    expect(c.lockPolicy).toMatchObject({ lockTtlMs: 30 * 60_000, leaseRenewMs: 10_000, leaseMs: 30_000 });
    for (const name of [
      'startTask',
      'cancelTask',
      'queries',
      'processJob',
      'reaper',
      'workerPool',
    ] as const) {
      expect(c[name]).toBeDefined();
    }
    expect(c.taskStore).not.toBe(b.cradle.taskStore);
    expect(c.jobQueue).toBe(a.cradle.jobQueue);
    await Promise.all([disposeContainer(a), disposeContainer(b)]);
  });

  it('registers redis coordination when the config has redis (nothing connects until resolved)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-container-'));
    const config = { ...testConfig(), redis: { addr: '127.0.0.1:1', db: 0, prefix: 'driftd:' } };
    const container = createEmbeddedContainer({ config });
    expect(Object.keys(container.registrations)).toEqual(
      expect.arrayContaining(['redis', 'taskStore', 'eventBus', 'healthPing']),
    );
    await disposeContainer(container);
  });

  it('fails fast on invalid lock settings', () => {
    const config = testConfig({ worker: { lockTtlMs: 60_000 } });
    expect(() => createEmbeddedContainer({ config })).toThrow(/worker\.lock_ttl must be at least 2m/);
  });

  it('runs a whole task into the fs result store', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-container-'));
    const repos = [testRepo('infra', { stacks: ['envs/prod', 'envs/dev'] })];
    const config = testConfig({ repos, dataDir: join(dir, 'data'), worker: { workDir: join(dir, 'work') } });
    const repoSource = new FakeRepoSource(dir).setRepo('infra', {
      commit: 'f00dfeed',
      stacks: ['envs/prod', 'envs/dev'],
    });
    const runner = new ScriptedPlanRunner().script('envs/prod', { outcome: drifted() });
    const container = createEmbeddedContainer({
      config,
      overrides: {
        repoSource: asValue(repoSource),
        planRunner: asValue(runner),
        toolResolver: asValue(new StaticToolResolver()),
      },
    });
    const c = container.cradle;
    c.workerPool.start();
    const r = await c.startTask({ repo: 'infra', trigger: { kind: 'library' } });
    if (r.kind !== 'started') throw new Error(r.kind);
    const deadline = Date.now() + 5_000;
    while ((await c.taskStore.get(r.task.id))?.status === 'running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 5));
    }
    expect(await c.taskStore.get(r.task.id)).toMatchObject({ status: 'completed', counters: { drifted: 1 } });
    const reopened = new FsResultStore({ dataDir: config.dataDir, clock: new SystemClock() });
    expect(await reopened.getLatest('infra' as RepoName, 'envs/prod' as StackPath)).toMatchObject({
      taskId: r.task.id,
      result: { status: 'drifted' },
    });
    expect((await c.queries.listRepos())[0]?.counts).toEqual({
      in_sync: 1,
      drifted: 1,
      error: 0,
      unknown: 0,
    });
    await disposeContainer(container);
  });
});
