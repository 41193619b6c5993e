import type { DriftPoint } from '../../../app/read-models.js';
import { escapeHtml } from './plan-text.js';

/**
 * "Drifted stacks over time" as an inline SVG string, built on the server from `Overview.driftHistory`:
 * one bar per bucket, the y-axis maximum, the first and last dates, a `<title>` per bar and a text
 * summary for screen readers. Only numbers and escaped dates go into the markup. No chart library.
 */

const W = 600;
const H = 150;
const PAD = { top: 12, right: 8, bottom: 24, left: 34 };

export interface DriftChart {
  readonly svg: string;
  /** One sentence for people who cannot see the chart. */
  readonly summary: string;
  readonly latest: number;
  readonly peak: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A "nice" axis maximum ≥ peak: 1, 2, 5, 10, 20, 50… */
function axisMax(peak: number): number {
  if (peak <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(peak));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= peak) return step * magnitude;
  return 10 * magnitude;
}

function bars(points: readonly DriftPoint[], max: number): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const width = Math.max(1, slot * 0.7);
  return points
    .map((p, i) => {
      const h = p.drifted === 0 ? 0 : Math.max(1.5, (p.drifted / max) * plotH);
      const x = PAD.left + i * slot + (slot - width) / 2;
      const y = PAD.top + plotH - h;
      const title = `${day(p.at)}: ${p.drifted} drifted`;
      return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(title)}</title></rect>`;
    })
    .join('');
}

function axes(points: readonly DriftPoint[], max: number): string {
  const baseY = H - PAD.bottom;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return [
    `<line class="axis" x1="${PAD.left}" y1="${baseY}" x2="${W - PAD.right}" y2="${baseY}"/>`,
    `<line class="gridline" x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}"/>`,
    `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text>`,
    `<text class="tick" x="${PAD.left - 6}" y="${baseY + 4}" text-anchor="end">0</text>`,
    `<text class="tick" x="${PAD.left}" y="${H - 6}">${escapeHtml(day(first.at))}</text>`,
    `<text class="tick" x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${escapeHtml(day(last.at))}</text>`,
  ].join('');
}

export function buildDriftChart(points: readonly DriftPoint[]): DriftChart | null {
  if (points.length === 0) return null;
  const peak = Math.max(...points.map((p) => p.drifted));
  const latest = points[points.length - 1]!.drifted;
  const max = axisMax(peak);
  const summary =
    `Drifted stacks per day from ${day(points[0]!.at)} to ${day(points[points.length - 1]!.at)}: ` +
    `${latest} now, at most ${peak}.`;
  const svg =
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title">` +
    `<title id="chart-title">${escapeHtml(summary)}</title>` +
    axes(points, max) +
    bars(points, max) +
    '</svg>';
  return { svg, summary, latest, peak };
}
