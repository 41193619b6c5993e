import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriftdMetrics, JOB_DURATION_BUCKETS } from '../../../src/adapters/metrics/index.js';

/** docs/metrics.md and the adapter stay in step: same names, same types, same buckets. */

const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/metrics.md'), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `(driftd_\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!] as const),
);

describe('docs/metrics.md', () => {
  it('lists every driftd metric with its type, and no metric that does not exist', async () => {
    const text = await new DriftdMetrics({ defaultMetrics: false }).metrics();
    const exported = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(exported.size).toBeGreaterThan(10);
    expect(rows).toEqual(exported);
  });

  it('states the histogram buckets the adapter uses', () => {
    expect(doc).toContain(`Buckets: ${JOB_DURATION_BUCKETS.join(', ')} s.`);
  });
});
