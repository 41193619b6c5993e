import { afterEach, describe, expect, it } from 'vitest';
import { NoopLogger } from '../../src/adapters/memory/index.js';
import { DriftdMetrics } from '../../src/adapters/metrics/index.js';
import { httpResolvers } from '../../src/app/container/http-resolvers.js';
import { startHeartbeat } from '../../src/app/worker/heartbeat.js';
import type { TaskId } from '../../src/domain/ids.js';
import type { ClaimedJob } from '../../src/ports/job-queue.port.js';
import { key, parseScrape } from '../adapters/metrics/scrape.js';
import { type Harness, makeHarness } from '../support/app-harness.js';
import { inSync } from '../support/scripted-plan-runner.js';
import { testRepo } from '../support/test-config.js';

const repos = [testRepo('infra', { stacks: ['app'] })];

async function scrape(metrics: DriftdMetrics, name: string): Promise<number | undefined> {
  return parseScrape(await metrics.metrics()).get(key(name));
}

describe('runtime metrics wiring', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('counts the lease the reaper takes over and the renewal its worker then loses', async () => {
    h = await makeHarness({ repos });
    const { c, runner, clock } = h;
    const metrics = new DriftdMetrics({ defaultMetrics: false });
    const disconnect = c.runtimeMetrics.connect(metrics);
    h.repoSource.setRepo('infra', { commit: 'abc1234def', stacks: ['app'] });
    runner.script('app', { hold: true }, { outcome: inSync() });
    const started = await c.startTask({ repo: 'infra', trigger: { kind: 'api' } });
    if (started.kind !== 'started') throw new Error(started.kind);
    c.workerPool.start();
    await runner.started('app');
    expect(await scrape(metrics, 'driftd_lease_takeovers_total')).toBe(0);

    clock.advance(c.lockPolicy.leaseMs + 1);
    expect(await c.reaper.tick()).toMatchObject({ recovered: 1 });
    expect(await scrape(metrics, 'driftd_lease_takeovers_total')).toBe(1);
    // The pool's heartbeat (10 ms) finds its lease gone: one failed renewal, then the job runs again.
    const taskId: TaskId = started.task.id;
    await h.waitFor(async () => (await c.taskStore.get(taskId))?.status === 'completed', 'task to finish');
    expect(await scrape(metrics, 'driftd_lock_renew_failures_total')).toBe(1);

    disconnect();
    clock.advance(c.lockPolicy.leaseMs + 1);
    c.runtimeMetrics.leaseTakeovers(5);
    expect(await scrape(metrics, 'driftd_lease_takeovers_total')).toBe(1);
  });

  it("serve's /metrics shows the takeovers of its own reaper", async () => {
    h = await makeHarness({ repos, overrides: httpResolvers({ ui: false }) });
    const { c, clock } = h;
    h.repoSource.setRepo('infra', { commit: 'abc1234def', stacks: ['app'] });
    await c.startTask({ repo: 'infra', trigger: { kind: 'api' } });
    const app = c.httpApp;
    await c.jobQueue.claim({ workerId: 'gone', token: c.ids.leaseToken(), leaseMs: c.lockPolicy.leaseMs });
    clock.advance(c.lockPolicy.leaseMs + 1);
    expect(await c.reaper.tick()).toMatchObject({ recovered: 1 });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(parseScrape(res.body).get(key('driftd_lease_takeovers_total', { role: 'embedded' }))).toBe(1);
  });

  it('a reaper pass with nothing expired reports no takeover', async () => {
    h = await makeHarness({ repos });
    const metrics = new DriftdMetrics({ defaultMetrics: false });
    h.c.runtimeMetrics.connect(metrics);
    expect(await h.c.reaper.tick()).toMatchObject({ recovered: 0 });
    expect(await scrape(metrics, 'driftd_lease_takeovers_total')).toBe(0);
  });

  it('a heartbeat whose renewal throws counts a failure per beat and keeps the job', async () => {
    const metrics = new DriftdMetrics({ defaultMetrics: false });
    let calls = 0;
    const queue = {
      renew: async () => {
        calls += 1;
        throw new Error('store unreachable');
      },
    };
    const policy = { leaseMs: 30, leaseRenewMs: 5, lockTtlMs: 60 } as Parameters<typeof startHeartbeat>[1];
    const claimed = { job: { id: 'j', leaseToken: 't' } } as unknown as ClaimedJob;
    const aborts: string[] = [];
    const beat = startHeartbeat(queue, policy, claimed, (r) => aborts.push(r), new NoopLogger(), metrics);
    while (calls < 2) await new Promise((r) => setTimeout(r, 5));
    beat.stop();
    await new Promise((r) => setTimeout(r, 5));
    expect(await scrape(metrics, 'driftd_lock_renew_failures_total')).toBe(calls);
    expect(aborts).toEqual([]);
  });
});
