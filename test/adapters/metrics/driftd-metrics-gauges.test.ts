import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DriftdMetrics, type RepoStackCounts } from '../../../src/adapters/metrics/index.js';
import type { QueueStats } from '../../../src/ports/job-queue.port.js';
import { jobCompleted, jobId, key, parseScrape, REPO } from './scrape.js';

const scrape = async (m: DriftdMetrics) => parseScrape(await m.metrics());
const counts = (name: string, in_sync: number, drifted: number, error: number, unknown: number) =>
  ({ name, counts: { in_sync, drifted, error, unknown } }) satisfies RepoStackCounts;

describe('DriftdMetrics: gauges read on scrape', () => {
  it('reads the queue stats on every scrape', async () => {
    let calls = 0;
    const stats: QueueStats[] = [
      { pending: 7, running: 3, oldestPendingAgeMs: 90_500 },
      { pending: 0, running: 1, oldestPendingAgeMs: 0 },
    ];
    const m = new DriftdMetrics({ defaultMetrics: false, queueStats: async () => stats[calls++]! });
    expect(calls).toBe(0);
    const first = await scrape(m);
    expect(calls).toBe(1);
    expect(first.get('driftd_queue_pending_jobs')).toBe(7);
    expect(first.get('driftd_queue_running_jobs')).toBe(3);
    expect(first.get('driftd_queue_oldest_pending_age_seconds')).toBe(90.5);
    const second = await scrape(m);
    expect(calls).toBe(2);
    expect(second.get('driftd_queue_pending_jobs')).toBe(0);
    expect(second.get('driftd_queue_oldest_pending_age_seconds')).toBe(0);
  });

  it('reports stacks by status per repo and drops repos that are gone', async () => {
    let repos: RepoStackCounts[] = [counts('a', 3, 1, 0, 2), counts('b', 0, 0, 4, 0)];
    const m = new DriftdMetrics({ defaultMetrics: false, stackCounts: async () => repos });
    const first = await scrape(m);
    const stacks = (repo: string, status: string) => key('driftd_stacks', { repo, status });
    expect(first.get(stacks('a', 'in_sync'))).toBe(3);
    expect(first.get(stacks('a', 'drifted'))).toBe(1);
    expect(first.get(stacks('a', 'unknown'))).toBe(2);
    expect(first.get(stacks('b', 'error'))).toBe(4);
    repos = [counts('a', 4, 0, 0, 2)];
    const second = await scrape(m);
    expect(second.get(stacks('a', 'in_sync'))).toBe(4);
    expect(second.get(stacks('a', 'drifted'))).toBe(0);
    expect(second.has(stacks('b', 'error'))).toBe(false);
  });

  it('keeps serving when a source fails: counts the failure, keeps the last values', async () => {
    let fail = false;
    const warnings: object[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (obj: object) => warnings.push(obj),
      error: () => {},
      child: () => logger,
    };
    const m = new DriftdMetrics({
      defaultMetrics: false,
      logger,
      queueStats: async () => {
        if (fail) throw new Error('redis down');
        return { pending: 5, running: 0, oldestPendingAgeMs: 1_000 };
      },
    });
    await scrape(m);
    fail = true;
    const s = await scrape(m);
    expect(s.get('driftd_queue_pending_jobs')).toBe(5);
    expect(s.get(key('driftd_metrics_collect_failures_total', { source: 'queue' }))).toBe(1);
    expect(warnings).toEqual([expect.objectContaining({ source: 'queue' })]);
  });
});

describe('DriftdMetrics: registries', () => {
  it('gives every instance its own registry and leaves the global one alone', async () => {
    const a = new DriftdMetrics({ defaultMetrics: false });
    const b = new DriftdMetrics({ defaultMetrics: false });
    a.observeEvent(jobCompleted(jobId(1), 1, 'drifted'));
    a.setWorkerSlots(1, 4);
    const sa = await scrape(a);
    const sb = await scrape(b);
    expect(sa.get(key('driftd_jobs_total', { repo: REPO, outcome: 'drifted' }))).toBe(1);
    expect(sb.has(key('driftd_jobs_total', { repo: REPO, outcome: 'drifted' }))).toBe(false);
    expect(sb.get('driftd_worker_slots')).toBe(0);
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
    expect(globalRegistry.getMetricsAsArray().filter((x) => x.name.startsWith('driftd_'))).toEqual([]);
  });

  it('adds process metrics with the driftd_ prefix, and only driftd_ names', async () => {
    const m = new DriftdMetrics();
    const text = await m.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1]!);
    expect(names).toContain('driftd_process_cpu_user_seconds_total');
    expect(names).toContain('driftd_nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => !n.startsWith('driftd_'))).toEqual([]);
    expect(await bareNames()).not.toContain('driftd_process_cpu_user_seconds_total');
  });

  it('adds default labels to every series and renders with its content type', async () => {
    const m = new DriftdMetrics({ defaultMetrics: false, defaultLabels: { role: 'worker' } });
    m.lockRenewFailed();
    const s = await scrape(m);
    expect(s.get(key('driftd_lock_renew_failures_total', { role: 'worker' }))).toBe(1);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

async function bareNames(): Promise<string[]> {
  const text = await new DriftdMetrics({ defaultMetrics: false }).metrics();
  return [...text.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1]!);
}
