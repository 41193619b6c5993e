import semver from 'semver';

/**
 * Terraform version constraints (hashicorp/go-version syntax, as `required_version` uses them) and
 * the version specs accepted in version files (tfenv/tenv conventions). Pure.
 */
export type ConstraintOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~>';

export interface Condition {
  readonly op: ConstraintOp;
  /** Zero-padded semver, e.g. `1.2.0` for `1.2`. */
  readonly version: string;
  /** How many numeric parts were written (drives `~>`). */
  readonly parts: number;
}

export interface VersionConstraint {
  readonly text: string;
  readonly conditions: readonly Condition[];
}

const CONDITION_RE =
  /^(=|!=|>=|<=|>|<|~>)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses `">= 1.2, < 2.0"`; undefined when any condition is malformed. */
export function parseConstraint(text: string): VersionConstraint | undefined {
  const pieces = text.split(',').map((p) => p.trim());
  if (pieces.length === 0 || pieces.some((p) => p === '')) return undefined;
  const conditions: Condition[] = [];
  for (const piece of pieces) {
    const m = CONDITION_RE.exec(piece);
    if (!m) return undefined;
    const nums = [m[2], m[3], m[4]];
    const parts = nums.filter((n) => n !== undefined).length;
    const version = `${nums.map((n) => n ?? '0').join('.')}${m[5] ?? ''}`;
    if (!semver.valid(version)) return undefined;
    conditions.push({ op: (m[1] ?? '=') as ConstraintOp, version, parts });
  }
  return { text, conditions };
}

/** The semver comparator set for one condition; `!=` has none (it is checked on its own). */
export function conditionToRange(c: Condition): string {
  if (c.op === '!=') return '';
  if (c.op !== '~>') return `${c.op}${c.version}`;
  const v = semver.parse(c.version)!;
  // Only the right-most written part may grow: `~> 1` >=1.0.0, `~> 1.0` <2.0.0, `~> 1.0.4` <1.1.0.
  if (c.parts <= 1) return `>=${c.version}`;
  if (c.parts === 2) return `>=${c.version} <${v.major + 1}.0.0`;
  return `>=${c.version} <${v.major}.${v.minor + 1}.0`;
}

/** The whole constraint as one semver range (AND of its conditions, `!=` left out). */
export function toSemverRange(constraint: VersionConstraint): string {
  const parts = constraint.conditions.map(conditionToRange).filter((r) => r !== '');
  return parts.length === 0 ? '*' : parts.join(' ');
}

/**
 * True when `version` meets every condition of every constraint. A pre-release only matches when
 * some condition names it exactly with `=` (Terraform's rule).
 */
export function satisfiesAll(version: string, constraints: readonly VersionConstraint[]): boolean {
  const v = semver.parse(version);
  if (!v) return false;
  const all = constraints.flatMap((c) => c.conditions);
  if (v.prerelease.length > 0 && !all.some((c) => c.op === '=' && semver.eq(c.version, v))) return false;
  return all.every((c) =>
    c.op === '!='
      ? !semver.eq(v, c.version)
      : semver.satisfies(v, conditionToRange(c), { includePrerelease: true }),
  );
}

export type VersionSpec =
  | { readonly kind: 'exact'; readonly version: string }
  | { readonly kind: 'latest'; readonly prerelease: boolean }
  | { readonly kind: 'latest-regex'; readonly pattern: RegExp }
  | { readonly kind: 'min-regex'; readonly pattern: RegExp }
  /** Highest / lowest version allowed by the stack's `required_version` (tenv). */
  | { readonly kind: 'latest-allowed' }
  | { readonly kind: 'min-required' }
  | { readonly kind: 'constraint'; readonly constraint: VersionConstraint }
  /** asdf `system`: the binary on PATH. */
  | { readonly kind: 'system' };

function regexSpec(kind: 'latest-regex' | 'min-regex', source: string): VersionSpec | undefined {
  try {
    return { kind, pattern: new RegExp(source) };
  } catch {
    return undefined;
  }
}

/**
 * Parses what a version file (or a configured default) holds: an exact version (`1.5.7`, `v1.5.7`),
 * `latest`, `latest-pre`, `latest:<regex>`, `min:<regex>`, `latest-allowed`, `min-required`,
 * `system`, a partial version (`1.5` = newest 1.5.x) or a constraint (`>= 1.5, < 2`).
 */
export function parseVersionSpec(raw: string): VersionSpec | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (text === 'latest') return { kind: 'latest', prerelease: false };
  if (text === 'latest-pre') return { kind: 'latest', prerelease: true };
  if (text === 'latest-allowed') return { kind: 'latest-allowed' };
  if (text === 'min-required') return { kind: 'min-required' };
  if (text === 'system') return { kind: 'system' };
  if (text.startsWith('latest:')) return regexSpec('latest-regex', text.slice('latest:'.length));
  if (text.startsWith('min:')) return regexSpec('min-regex', text.slice('min:'.length));
  const exact = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(text);
  if (exact && semver.valid(exact[1])) return { kind: 'exact', version: exact[1]! };
  const partial = /^v?(\d+(?:\.\d+)?)$/.exec(text);
  const constraint = parseConstraint(partial ? `~> ${partial[1]}.0` : text);
  return constraint ? { kind: 'constraint', constraint } : undefined;
}

function sortedDesc(versions: readonly string[]): string[] {
  return [...new Set(versions.filter((v) => semver.valid(v) === v))].sort(semver.rcompare);
}

/**
 * Picks a version from `available` for a spec that is not exact. `constraints` are the stack's
 * (`required_version`...), used by `latest-allowed` / `min-required`. Undefined when nothing fits.
 */
export function pickVersion(
  spec: VersionSpec,
  available: readonly string[],
  constraints: readonly VersionConstraint[],
): string | undefined {
  const desc = sortedDesc(available);
  const stable = desc.filter((v) => semver.prerelease(v) === null);
  switch (spec.kind) {
    case 'exact':
      return spec.version;
    case 'latest':
      return (spec.prerelease ? desc : stable)[0];
    case 'latest-regex':
      return desc.find((v) => spec.pattern.test(v));
    case 'min-regex':
      return [...desc].reverse().find((v) => spec.pattern.test(v));
    case 'latest-allowed':
      return desc.find((v) => satisfiesAll(v, constraints));
    case 'min-required':
      return [...desc].reverse().find((v) => satisfiesAll(v, constraints));
    case 'constraint':
      return desc.find((v) => satisfiesAll(v, [spec.constraint]));
    case 'system':
      return undefined;
  }
}
