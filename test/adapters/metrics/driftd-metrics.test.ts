import { describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../../src/adapters/memory/index.js';
import { DriftdMetrics, JOB_DURATION_BUCKETS } from '../../../src/adapters/metrics/index.js';
import { emptyCounters } from '../../../src/domain/counters.js';
import { jobCompleted, jobFailed, jobId, jobStarted, key, parseScrape, REPO, TASK_ID } from './scrape.js';

const scrape = async (m: DriftdMetrics) => parseScrape(await m.metrics());
const bare = () => new DriftdMetrics({ defaultMetrics: false });

describe('DriftdMetrics: tasks and jobs from events', () => {
  it('counts tasks by status per repo', async () => {
    const m = bare();
    const base = { taskId: TASK_ID, repo: REPO, occurredAt: 1 };
    m.observeEvent({ ...base, type: 'task.started', total: 3, trigger: 'manual' });
    m.observeEvent({ ...base, type: 'task.started', total: 3, trigger: 'schedule' });
    m.observeEvent({ ...base, type: 'task.finished', status: 'completed', counters: emptyCounters(3) });
    m.observeEvent({ ...base, type: 'task.finished', status: 'failed', counters: emptyCounters(3) });
    m.observeEvent({ id: '9', event: { ...base, type: 'task.canceled', reason: 'superseded' } });
    const s = await scrape(m);
    expect(s.get(key('driftd_tasks_total', { repo: REPO, status: 'started' }))).toBe(2);
    expect(s.get(key('driftd_tasks_total', { repo: REPO, status: 'completed' }))).toBe(1);
    expect(s.get(key('driftd_tasks_total', { repo: REPO, status: 'failed' }))).toBe(1);
    expect(s.get(key('driftd_tasks_total', { repo: REPO, status: 'canceled' }))).toBe(1);
  });

  it('counts jobs by outcome (a terraform error is `error`) and times them from job.started to the end event', async () => {
    const m = bare();
    m.observeEvent(jobStarted(jobId(1), 10_000));
    m.observeEvent(jobCompleted(jobId(1), 13_000, 'in_sync'));
    m.observeEvent(jobStarted(jobId(2), 10_000));
    m.observeEvent(jobCompleted(jobId(2), 10_000 + 400_000, 'drifted'));
    m.observeEvent(jobStarted(jobId(3), 0));
    m.observeEvent(jobFailed(jobId(3), 20_000, true));
    m.observeEvent(jobStarted(jobId(3), 30_000));
    m.observeEvent(jobFailed(jobId(3), 32_000, false));
    m.observeEvent(jobStarted(jobId(4), 0));
    m.observeEvent(jobFailed(jobId(4), 7_200_000, false, 'terraform_error'));
    m.observeEvent(jobStarted(jobId(5), 0));
    m.observeEvent(jobFailed(jobId(5), 1_000, false, 'canceled'));
    const s = await scrape(m);
    const jobs = (outcome: string) => s.get(key('driftd_jobs_total', { repo: REPO, outcome }));
    const outcomes = ['in_sync', 'drifted', 'error', 'retried', 'failed', 'canceled'];
    expect(outcomes.map(jobs)).toEqual([1, 1, 1, 1, 1, 1]);
    const h = (suffix: string, outcome: string, le?: string) =>
      s.get(key(`driftd_job_duration_seconds_${suffix}`, { repo: REPO, outcome, ...(le && { le }) }));
    expect([h('bucket', 'in_sync', '1'), h('bucket', 'in_sync', '5'), h('sum', 'in_sync')]).toEqual([
      0, 1, 3,
    ]);
    expect([h('bucket', 'drifted', '300'), h('bucket', 'drifted', '600'), h('sum', 'drifted')]).toEqual([
      0, 1, 400,
    ]);
    expect([h('count', 'retried'), h('sum', 'retried'), h('count', 'failed'), h('sum', 'failed')]).toEqual([
      1, 20, 1, 2,
    ]);
    // Two hours: above the last finite bucket, only in +Inf.
    expect([h('bucket', 'error', '3600'), h('bucket', 'error', '+Inf'), h('sum', 'error')]).toEqual([
      0, 1, 7200,
    ]);
  });

  it('counts a job whose start it never saw, without a duration', async () => {
    const m = bare();
    m.observeEvent(jobCompleted(jobId(1), 5_000, 'drifted'));
    const s = await scrape(m);
    expect(s.get(key('driftd_jobs_total', { repo: REPO, outcome: 'drifted' }))).toBe(1);
    expect(s.has(key('driftd_job_duration_seconds_count', { repo: REPO, outcome: 'drifted' }))).toBe(false);
  });

  it('exposes the documented buckets, up to an hour', async () => {
    const m = bare();
    m.observeEvent(jobStarted(jobId(1), 0));
    m.observeEvent(jobCompleted(jobId(1), 1_000, 'in_sync'));
    const text = await m.metrics();
    const les = [...text.matchAll(/driftd_job_duration_seconds_bucket\{le="([^"]+)"/g)].map((x) => x[1]);
    expect(les).toEqual([...JOB_DURATION_BUCKETS.map(String), '+Inf']);
    expect(JOB_DURATION_BUCKETS.at(-1)).toBe(3600);
  });

  it('follows an event bus until unsubscribed', async () => {
    const m = bare();
    const bus = new MemoryEventBus();
    const off = m.attach(bus);
    await bus.publishAll([jobStarted(jobId(1), 0), jobCompleted(jobId(1), 2_000, 'in_sync')]);
    off();
    await bus.publish(jobCompleted(jobId(2), 2_000, 'in_sync'));
    const s = await scrape(m);
    expect(s.get(key('driftd_jobs_total', { repo: REPO, outcome: 'in_sync' }))).toBe(1);
    expect(s.get(key('driftd_job_duration_seconds_sum', { repo: REPO, outcome: 'in_sync' }))).toBe(2);
  });
});

describe('DriftdMetrics: explicit counters and slots', () => {
  it('reports lock renew failures, lease takeovers, tool installs and cache hits, and slots', async () => {
    const m = bare();
    m.lockRenewFailed();
    m.lockRenewFailed();
    m.leaseTakeovers(3);
    m.leaseTakeovers(0);
    m.toolInstalled('terraform');
    m.toolCacheHit('terraform');
    m.toolCacheHit('terraform');
    m.toolCacheHit('terragrunt');
    m.setWorkerSlots(2, 5);
    const s = await scrape(m);
    expect(s.get('driftd_lock_renew_failures_total')).toBe(2);
    expect(s.get('driftd_lease_takeovers_total')).toBe(3);
    expect(s.get(key('driftd_tool_installs_total', { tool: 'terraform' }))).toBe(1);
    expect(s.get(key('driftd_tool_cache_hits_total', { tool: 'terraform' }))).toBe(2);
    expect(s.get(key('driftd_tool_cache_hits_total', { tool: 'terragrunt' }))).toBe(1);
    expect([s.get('driftd_worker_busy_slots'), s.get('driftd_worker_slots')]).toEqual([2, 5]);
  });
});
