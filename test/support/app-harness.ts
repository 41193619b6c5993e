import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwilixContainer, asFunction, asValue } from 'awilix';
import { ManualClock, MemoryResultStore } from '../../src/adapters/memory/index.js';
import type { RepoConfig, WorkerConfig } from '../../src/app/config/types.js';
import type { Cradle } from '../../src/app/container/cradle.js';
import { createEmbeddedContainer } from '../../src/app/container/create-embedded-container.js';
import { disposeContainer } from '../../src/app/container/dispose-container.js';
import { lockPolicyOf, type Resolvers } from '../../src/app/container/resolvers.js';
import type { DomainEvent } from '../../src/domain/events.js';
import { FakeRepoSource } from './fake-repo-source.js';
import { ScriptedPlanRunner, StaticToolResolver } from './scripted-plan-runner.js';
import { testConfig } from './test-config.js';

export interface HarnessOptions {
  readonly repos?: readonly RepoConfig[];
  readonly worker?: Partial<WorkerConfig>;
  readonly overrides?: Resolvers;
}

export interface Harness {
  readonly container: AwilixContainer<Cradle>;
  readonly c: Cradle;
  readonly clock: ManualClock;
  readonly repoSource: FakeRepoSource;
  readonly runner: ScriptedPlanRunner;
  readonly events: DomainEvent[];
  /** Polls `check` (real time) until it returns true; fails after `timeoutMs`. */
  waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * An embedded container on memory adapters with a ManualClock (leases, locks and task ages move only when
 * the test says so), a fake RepoSource, a scripted PlanRunner, and a heartbeat of 10 ms of real time so
 * cancellation reaches running jobs quickly.
 */
export async function makeHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'driftd-app-'));
  const clock = new ManualClock();
  const repoSource = new FakeRepoSource(dir);
  const runner = new ScriptedPlanRunner();
  const config = testConfig({
    ...(options.repos && { repos: options.repos }),
    worker: { workDir: join(dir, 'work'), ...options.worker },
  });
  const container = createEmbeddedContainer({
    config,
    overrides: {
      clock: asValue(clock),
      repoSource: asValue(repoSource),
      planRunner: asValue(runner),
      toolResolver: asValue(new StaticToolResolver()),
      resultStore: asFunction(() => new MemoryResultStore(clock)).singleton(),
      lockPolicy: asValue({ ...lockPolicyOf(config.worker), leaseRenewMs: 10 }),
      ...options.overrides,
    },
  });
  const c = container.cradle;
  const events: DomainEvent[] = [];
  c.eventBus.subscribe((stored) => events.push(stored.event));
  return {
    container,
    c,
    clock,
    repoSource,
    runner,
    events,
    async waitFor(check, what, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async cleanup() {
      await disposeContainer(container, 0);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
