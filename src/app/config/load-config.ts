import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { DriftdError } from '../../domain/errors.js';
import {
  closestKey,
  defaultIssueMessage,
  formatKeyPath,
  lineOf,
  type Problem,
  problemsFromIssues,
  scrubSecrets,
} from './config-problems.js';
import { applyEnvOverlay, type Env, isPlainObject, type KeyPath, resolveEnvRefs } from './env-refs.js';
import { configSchema } from './schema.js';
import { knownKeysAt } from './schema-keys.js';
import type { DriftdConfig } from './types.js';

/**
 * config.yaml → frozen `DriftdConfig`: read, parse YAML (keeping node positions), resolve `${ENV}`,
 * overlay `DRIFTD_*`, validate with the schema. Any problem throws `DRIFTD_CONFIG_INVALID` whose
 * message lists every problem as `<file>:<line>: <key.path>: <what is wrong>`, without secret values.
 */

type Locate = (path: KeyPath) => number | undefined;

export async function loadConfigFile(file: string, env: Env = process.env): Promise<DriftdConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw configInvalid(file, [`${file}: ${why}`], e);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const { line, col } = counter.linePos(e.pos[0]);
      return `${file}:${line}:${col}: invalid YAML: ${e.message}`;
    });
    throw configInvalid(file, lines);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw configInvalid(file, [`${file}: invalid YAML: ${(e as Error).message}`]);
  }
  return validate(raw, file, env, (path) => lineOf(doc, counter, path));
}

/** The same checks for a config given as an object (embedded use); messages carry no line numbers. */
export function parseConfig(input: unknown, source = '<object>', env: Env = process.env): DriftdConfig {
  return validate(input, source, env, () => undefined);
}

function validate(raw: unknown, source: string, env: Env, locate: Locate): DriftdConfig {
  const refs = resolveEnvRefs(raw ?? {}, env);
  const overlay = applyEnvOverlay(refs.value, env);
  const parsed = configSchema.safeParse(overlay.value, { error: defaultIssueMessage });
  const problems: Problem[] = [...refs.problems];
  if (!parsed.success) {
    // A value emptied by an unset ${VAR} is already reported; its follow-on errors would only confuse.
    const unresolved = new Set(refs.problems.map((p) => formatKeyPath(p.path)));
    const suggest = (path: KeyPath, key: string) => closestKey(knownKeysAt(configSchema, path), key);
    for (const p of problemsFromIssues(parsed.error.issues, suggest)) {
      if (!unresolved.has(formatKeyPath(p.path))) problems.push(p);
    }
  }
  if (!parsed.success || problems.length > 0) {
    const secrets = [...refs.resolved, ...overlay.secrets, ...secretsIn(overlay.value)];
    const lines = sortByLine(problems, locate).map(({ problem, line }) => {
      const key = formatKeyPath(problem.path);
      const from = overlay.applied.get(key);
      const where = from !== undefined ? source : line === undefined ? source : `${source}:${line}`;
      const setBy = from !== undefined ? ` (set by ${from})` : '';
      return scrubSecrets(`${where}: ${key}${setBy}: ${problem.message}`, secrets);
    });
    throw configInvalid(source, lines);
  }
  return deepFreeze({ source, ...parsed.data });
}

function sortByLine(problems: readonly Problem[], locate: Locate) {
  return problems
    .map((problem) => ({ problem, line: locate(problem.path) }))
    .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/** Secret values present in the raw config (redis password, api tokens), for scrubbing. */
function secretsIn(raw: unknown): string[] {
  if (!isPlainObject(raw)) return [];
  const out: string[] = [];
  if (isPlainObject(raw.redis) && typeof raw.redis.password === 'string') out.push(raw.redis.password);
  const tokens = isPlainObject(raw.api) && Array.isArray(raw.api.tokens) ? raw.api.tokens : [];
  for (const t of tokens) if (isPlainObject(t) && typeof t.token === 'string') out.push(t.token);
  return out;
}

function configInvalid(source: string, lines: readonly string[], cause?: unknown): DriftdError {
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return new DriftdError(
    'DRIFTD_CONFIG_INVALID',
    `invalid configuration ${source} (${count}):\n${lines.join('\n')}`,
    {
      details: { source, problems: [...lines] },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
