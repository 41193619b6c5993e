import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import type { KeyPath } from './env-refs.js';

/** Turning zod issues into `<file>:<line>: <key.path>: <what is wrong>` lines. */

export interface Problem {
  readonly path: KeyPath;
  readonly message: string;
}

/** `['repos', 1, 'git', 'type']` → `repos[1].git.type`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(top level)' : out;
}

/** Flattens zod issues; an unknown-keys issue becomes one problem per key, located at that key. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], suggest: KeySuggester): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = suggest(path, key);
        out.push({ path: [...path, key], message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}` });
      }
    } else out.push({ path, message: issue.message });
  }
  return out;
}

export type KeySuggester = (objectPath: KeyPath, unknownKey: string) => string | undefined;

/** Default messages for issues our schema does not word itself; never echoes the input value. */
export function defaultIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected: Record<string, string> = {
    object: 'a mapping of keys',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
  };
  return `must be ${expected[issue.expected] ?? issue.expected}`;
}

/**
 * The 1-based line of the deepest node of `path` present in the document: the key's line for a map
 * entry, the item's line for a list entry (so a missing key points at its parent).
 */
export function lineOf(doc: Document, counter: LineCounter, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** Closest known key by edit distance (at most 2 edits, or a case-only difference). */
export function closestKey(known: readonly string[], key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(candidate, key);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Replaces each secret (4+ characters) in `text` with `***`; a defence in depth, messages avoid values. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of sorted) out = out.split(s).join('***');
  return out;
}
