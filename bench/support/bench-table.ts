/**
 * The one table `npm run bench` prints: a row per measured figure. A ratio compares the figure with a
 * baseline measured in the same run (another system, or a smaller case), never with a hard-coded time.
 */
export interface BenchRow {
  /** Module: queue, api, ui, scale. */
  readonly benchmark: string;
  readonly case: string;
  /** What is measured, e.g. "jobs/s" or "wall time". */
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  /** What the ratio is against, e.g. "BullMQ, same run" (empty when there is none). */
  readonly baseline?: string;
  /** value ÷ baseline (or as described in `goal`). */
  readonly ratio?: number;
  /** The target, e.g. "ratio ≤ 1.5" or "p50 ≤ 20 ms". */
  readonly goal?: string;
  /** met | missed | info. */
  readonly verdict?: 'met' | 'missed' | 'info';
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** met when `ok`, else missed. */
export const verdictOf = (ok: boolean): 'met' | 'missed' => (ok ? 'met' : 'missed');

function formatValue(n: number): string {
  if (Number.isNaN(n)) return '';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n));
}

/** A plain-text (and Markdown-compatible) table of the rows. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['benchmark', 'case', 'figure', 'value', 'unit', 'baseline', 'ratio', 'goal', 'verdict'];
  const body = rows.map((r) => [
    r.benchmark,
    r.case,
    r.figure,
    formatValue(r.value),
    r.unit,
    r.baseline ?? '',
    r.ratio === undefined ? '' : `${round(r.ratio)}x`,
    r.goal ?? '',
    r.verdict ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
