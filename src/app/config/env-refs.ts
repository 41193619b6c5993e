/**
 * `${ENV}` references inside config string values, and the explicit `DRIFTD_*` overlay table.
 * Both run on the plain object read from YAML (or passed by an embedder), before the schema.
 */

export type Env = Readonly<Record<string, string | undefined>>;
export type KeyPath = readonly (string | number)[];

export interface EnvRefProblem {
  readonly path: KeyPath;
  readonly message: string;
}

export interface EnvRefResult {
  readonly value: unknown;
  readonly problems: readonly EnvRefProblem[];
  /** Values that came from the environment: scrubbed from any message as a precaution. */
  readonly resolved: readonly string[];
}

/** `$${` is a literal `${`; anything else between `${` and `}` must be a variable name. */
const REF = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function resolveString(text: string, path: KeyPath, env: Env, out: EnvRefProblem[], resolved: string[]) {
  return text.replace(REF, (match, name: string | undefined) => {
    if (name === undefined) return '${';
    if (!NAME.test(name)) {
      out.push({ path, message: `"${match}" is not a valid reference (use \${NAME})` });
      return '';
    }
    const value = env[name];
    if (value === undefined) {
      out.push({ path, message: `references \${${name}}, but the environment variable ${name} is not set` });
      return '';
    }
    resolved.push(value);
    return value;
  });
}

/** Replaces every `${NAME}` in string values (keys are left alone), collecting unset variables. */
export function resolveEnvRefs(input: unknown, env: Env): EnvRefResult {
  const problems: EnvRefProblem[] = [];
  const resolved: string[] = [];
  const walk = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') return resolveString(value, path, env, problems, resolved);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { value: walk(input, []), problems, resolved };
}

export interface OverlayEntry {
  readonly env: string;
  readonly path: readonly [string, ...string[]];
  /** Never echoed; scrubbed from messages. */
  readonly secret?: boolean;
  /** Applies only when the parent section already exists (set in the file or by an earlier entry). */
  readonly needsSection?: boolean;
}

/** The one place that maps `DRIFTD_*` variables onto config keys. Order matters: addr before password. */
export const ENV_OVERLAY: readonly OverlayEntry[] = [
  { env: 'DRIFTD_DATA_DIR', path: ['data_dir'] },
  { env: 'DRIFTD_LISTEN_ADDR', path: ['listen_addr'] },
  { env: 'DRIFTD_LOG_LEVEL', path: ['log_level'] },
  { env: 'DRIFTD_REDIS_ADDR', path: ['redis', 'addr'] },
  { env: 'DRIFTD_REDIS_PASSWORD', path: ['redis', 'password'], secret: true, needsSection: true },
  { env: 'DRIFTD_REDIS_DB', path: ['redis', 'db'], needsSection: true },
  { env: 'DRIFTD_REDIS_PREFIX', path: ['redis', 'prefix'], needsSection: true },
  { env: 'DRIFTD_WORKER_CONCURRENCY', path: ['worker', 'concurrency'] },
  { env: 'DRIFTD_CACHE_DIR', path: ['tools', 'cache_dir'] },
  { env: 'DRIFTD_DEFAULT_TERRAFORM_VERSION', path: ['tools', 'default_versions', 'terraform'] },
  { env: 'DRIFTD_DEFAULT_TOFU_VERSION', path: ['tools', 'default_versions', 'tofu'] },
  { env: 'DRIFTD_DEFAULT_TERRAGRUNT_VERSION', path: ['tools', 'default_versions', 'terragrunt'] },
];

export interface OverlayResult {
  readonly value: unknown;
  /** Dotted key path → the variable that set it, so messages can say where a bad value came from. */
  readonly applied: ReadonlyMap<string, string>;
  readonly secrets: readonly string[];
}

/**
 * Applies set, non-empty `DRIFTD_*` variables over the config object. Objects along each path are
 * copied, so the input is untouched. A non-object input is returned as is (the schema reports it).
 */
export function applyEnvOverlay(input: unknown, env: Env): OverlayResult {
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    return { value: input, applied: new Map(), secrets: [] };
  }
  const root: Record<string, unknown> = { ...input };
  const applied = new Map<string, string>();
  const secrets: string[] = [];
  for (const entry of ENV_OVERLAY) {
    const value = env[entry.env];
    if (value === undefined || value === '') continue;
    if (setIn(root, entry.path, value, entry.needsSection === true)) {
      applied.set(entry.path.join('.'), entry.env);
      if (entry.secret) secrets.push(value);
    }
  }
  return { value: root, applied, secrets };
}

function setIn(root: Record<string, unknown>, path: readonly string[], value: string, needsSection: boolean) {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) {
      if (needsSection) return false;
      node[key] = {};
    } else if (isPlainObject(next)) node[key] = { ...next };
    else return false;
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
