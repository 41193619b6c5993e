import { describe, expect, it } from 'vitest';
import { JobDurations } from '../../../src/adapters/metrics/job-durations.js';

describe('JobDurations', () => {
  it('returns seconds between start and finish once, null for an unseen job', () => {
    const d = new JobDurations();
    d.start('j1', 1_000);
    expect(d.finish('j1', 3_500)).toBe(2.5);
    expect(d.finish('j1', 4_000)).toBeNull();
    expect(d.finish('j2', 4_000)).toBeNull();
    expect(d.size).toBe(0);
  });

  it('drops the oldest start at capacity, and a restart refreshes the position', () => {
    const d = new JobDurations(2);
    d.start('a', 0);
    d.start('b', 0);
    d.start('a', 10); // a retry's new attempt: now the newest
    d.start('c', 20);
    expect(d.size).toBe(2);
    expect(d.finish('b', 30)).toBeNull();
    expect(d.finish('a', 30)).toBe(0.02);
    expect(d.finish('c', 30)).toBe(0.01);
  });

  it('never reports a negative duration when clocks of two processes disagree', () => {
    const d = new JobDurations();
    d.start('j', 5_000);
    expect(d.finish('j', 4_000)).toBe(0);
  });
});
