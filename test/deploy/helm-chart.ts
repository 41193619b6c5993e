import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Values } from './helm-values.js';

/** The chart's files, read once for the Helm tests. */

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CHART = path.join(ROOT, 'deploy/helm/driftd');

export const readChart = (file: string) => readFileSync(path.join(CHART, file), 'utf8');
export const chartYaml = parse(readChart('Chart.yaml')) as Record<string, unknown>;
export const values = parse(readChart('values.yaml')) as Values;
export const exampleValues = parse(readChart('ci/example-values.yaml')) as Values;
export const templates: ReadonlyMap<string, string> = new Map(
  readdirSync(path.join(CHART, 'templates')).map((f) => [f, readChart(`templates/${f}`)]),
);

/**
 * Every `.Values.a.b` path the templates read, including through variables bound with
 * `$x := .Values.a` and then used as `$x.b.c`.
 */
export function valuesReferences(text: string): string[] {
  const refs = [...text.matchAll(/\.Values((?:\.[A-Za-z_]\w*)+)/g)].map((m) => m[1]!.slice(1));
  for (const bind of text.matchAll(/\$(\w+)\s*:=\s*\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
    const [, name, base] = bind;
    for (const use of text.matchAll(new RegExp(`\\$${name}((?:\\.[A-Za-z_]\\w*)+)`, 'g'))) {
      refs.push(`${base!.slice(1)}${use[1]}`);
    }
  }
  return refs;
}

/** Opening (`if`/`range`/`with`/`define`) and `end` actions, comments skipped: a cheap syntax check. */
export function blockBalance(text: string): number {
  let depth = 0;
  for (const action of text.matchAll(/\{\{-?\s*(\/\*[\s\S]*?\*\/|[^}]*?)\s*-?\}\}/g)) {
    const body = action[1]!;
    if (body.startsWith('/*')) continue;
    if (/^(if|range|with|define)\b/.test(body)) depth++;
    else if (/^end\b/.test(body)) depth--;
    if (depth < 0) return depth;
  }
  return depth;
}

/** The values table of the chart README: key → default cell (backticks removed). */
export function readmeValuesTable(): Map<string, string> {
  const rows = new Map<string, string>();
  const section = readChart('README.md').split(/^## Values$/m)[1] ?? '';
  for (const line of section.split('\n')) {
    const cells = /^\| `([^`]+)` \| (.*?) \| .* \|$/.exec(line);
    if (cells) rows.set(cells[1]!, cells[2]!.replaceAll('`', ''));
  }
  return rows;
}
