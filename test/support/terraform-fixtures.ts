import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriftKind, DriftStatus } from '../../src/domain/drift-result.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** CI keeps `../shared/` beside the clone. */
export const sharedFixturesDir = path.resolve(repoRoot, '../shared/fixtures/terraform');

export interface IndexRow {
  readonly folder: string;
  readonly expectedClass: string;
  /** The verdict the Expected class column states, or null for non-plan data (`n/a`). */
  readonly verdict: { readonly status: DriftStatus; readonly kinds: readonly DriftKind[] } | null;
  /** The first exit code the row gives, or null (`n/a`). */
  readonly exitCode: number | null;
}

/** Maps INDEX.md's "Expected class" wording to a DriftResult status and kinds. */
export function verdictOf(expectedClass: string): IndexRow['verdict'] {
  const text = expectedClass.trim();
  if (/^error/.test(text)) return { status: 'error', kinds: [] };
  if (/^drift \+ pending/.test(text)) return { status: 'drifted', kinds: ['drift', 'unapplied'] };
  if (/^drift/.test(text)) return { status: 'drifted', kinds: ['drift'] };
  if (/^pending/.test(text) || /^autoplan: pending/.test(text))
    return { status: 'drifted', kinds: ['unapplied'] };
  if (/^no drift/.test(text)) return { status: 'in_sync', kinds: [] };
  return null;
}

/** Reads the case table of the fixtures' INDEX.md. */
export function readIndex(): IndexRow[] {
  const index = readFileSync(path.join(sharedFixturesDir, 'INDEX.md'), 'utf8');
  const rows: IndexRow[] = [];
  for (const line of index.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const folder = /^`([^`]+)`$/.exec(cells[2] ?? '')?.[1];
    if (!/^\d\d$/.test(cells[1] ?? '') || folder === undefined) continue;
    const expectedClass = cells[6] ?? '';
    const exit = /^(\d)/.exec(cells[7] ?? '');
    rows.push({
      folder,
      expectedClass,
      verdict: verdictOf(expectedClass),
      exitCode: exit ? Number(exit[1]) : null,
    });
  }
  return rows;
}

const JSON_PLAN_FILES = [
  'plan.json',
  'output.json',
  'terraform.tfplan.json',
  'plan-unredacted.json',
  'plan-redacted.json',
];

/** The JSON plan documents (show -json or HCP redacted plans) a case folder holds. */
export function jsonPlanFiles(folder: string): string[] {
  return JSON_PLAN_FILES.filter((f) => existsSync(path.join(sharedFixturesDir, folder, f)));
}

export function caseFolders(): string[] {
  return readdirSync(sharedFixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function readCase(folder: string, file: string): string {
  return readFileSync(path.join(sharedFixturesDir, folder, file), 'utf8');
}

export function listCase(folder: string): string[] {
  return readdirSync(path.join(sharedFixturesDir, folder));
}
