import { err, ok, type Result } from '../../domain/result.js';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import type { Detection, SourcedConstraint } from './version-detection.js';
import { parseVersionSpec, pickVersion, satisfiesAll, type VersionSpec } from './version-spec.js';

/**
 * What to resolve for one tool, decided from a Detection and the configured default. Pure.
 *
 * Precedence: the nearest version file; else the stack's constraints (the configured default when
 * it is exact and allowed, otherwise the newest allowed version); else the configured default;
 * else the binary on PATH; else the newest stable release. A version file never overrides the
 * stack's constraints silently: a pin they reject is a config error naming both files.
 */
export interface Selection {
  readonly tool: ToolName;
  readonly spec: VersionSpec;
  /** Recorded as `ResolvedBinary.source`: a version file (repo-relative), an attribute, `default`, `latest`. */
  readonly source: string;
  /** Nothing pinned (or asdf `system`): use the binary on PATH when there is one. */
  readonly preferPath: boolean;
  readonly constraints: readonly SourcedConstraint[];
}

export function planSelection(
  tool: ToolName,
  detection: Detection,
  defaultSpec?: string,
): Result<Selection, string> {
  const constraints = detection.constraints;
  if (detection.pin) {
    const { spec, file } = detection.pin;
    return ok({ tool, spec, source: file, preferPath: spec.kind === 'system', constraints });
  }
  const def = defaultSpec === undefined ? undefined : parseVersionSpec(defaultSpec);
  if (defaultSpec !== undefined && !def) {
    return err(
      `the configured default ${tool} version "${defaultSpec}" is not a version, keyword or constraint`,
    );
  }
  const first = constraints[0];
  if (first) {
    if (
      def?.kind === 'exact' &&
      satisfiesAll(
        def.version,
        constraints.map((c) => c.constraint),
      )
    ) {
      return ok({ tool, spec: def, source: 'default', preferPath: false, constraints });
    }
    return ok({ tool, spec: { kind: 'latest-allowed' }, source: first.attr, preferPath: false, constraints });
  }
  if (def) return ok({ tool, spec: def, source: 'default', preferPath: def.kind === 'system', constraints });
  return ok({
    tool,
    spec: { kind: 'latest', prerelease: false },
    source: 'latest',
    preferPath: true,
    constraints,
  });
}

function describe(sel: Selection): string {
  if (sel.source === 'default') return `the configured default ${sel.tool} version`;
  if (sel.source === 'latest') return `the latest ${sel.tool} release`;
  if (sel.spec.kind === 'latest-allowed') return describeConstraints(sel.constraints);
  return sel.source;
}

function describeConstraints(constraints: readonly SourcedConstraint[]): string {
  return constraints.map((c) => `${c.attr} "${c.constraint.text}" in ${c.file}`).join(' and ');
}

/** Undefined when `version` meets all the stack's constraints, else a message naming both sides. */
export function checkSelected(sel: Selection, version: string): string | undefined {
  const all = sel.constraints.map((c) => c.constraint);
  if (satisfiesAll(version, all)) return undefined;
  const culprits = sel.constraints.filter((c) => !satisfiesAll(version, [c.constraint]));
  const blame = describeConstraints(culprits.length > 0 ? culprits : sel.constraints);
  return `${describe(sel)} selects ${sel.tool} ${version}, but ${blame} does not allow it`;
}

/** Picks from `available` (a release index or the cached versions) and checks the constraints. */
export function selectFrom(sel: Selection, available: readonly string[]): Result<string, string> {
  const picked = pickVersion(
    sel.spec,
    available,
    sel.constraints.map((c) => c.constraint),
  );
  if (picked === undefined) return err(`no ${sel.tool} version matches ${describe(sel)}`);
  const problem = checkSelected(sel, picked);
  return problem === undefined ? ok(picked) : err(problem);
}
