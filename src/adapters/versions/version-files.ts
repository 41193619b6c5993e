import type { ToolName } from '../../ports/tool-resolver.port.js';
import {
  parseConstraint,
  parseVersionSpec,
  type VersionConstraint,
  type VersionSpec,
} from './version-spec.js';

/**
 * Version files looked for in each directory, in precedence order within that directory: the
 * tool's own file (tfenv/tenv/tgswitch), then the switcher rc file, then asdf's `.tool-versions`.
 * `$HOME` is not searched: a server's home says nothing about a repo.
 */
export const VERSION_FILES: Readonly<Record<ToolName, readonly string[]>> = {
  terraform: ['.terraform-version', '.tfswitchrc', '.tool-versions'],
  tofu: ['.opentofu-version', '.tool-versions'],
  terragrunt: ['.terragrunt-version', '.tgswitchrc', '.tool-versions'],
};

const ASDF_NAMES: Readonly<Record<ToolName, readonly string[]>> = {
  terraform: ['terraform'],
  tofu: ['opentofu', 'tofu'],
  terragrunt: ['terragrunt'],
};

/** `spec` undefined: the file does not pin this tool (a `.tool-versions` without its line). */
export type FileParse =
  | { readonly ok: true; readonly spec?: VersionSpec }
  | { readonly ok: false; readonly reason: string };

function significantLines(content: string): string[] {
  return content
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '');
}

/** asdf: `terraform 1.5.7 [fallback ...]`; the first version listed wins. */
export function parseToolVersions(content: string, tool: ToolName): FileParse {
  for (const line of significantLines(content)) {
    const [name, first] = line.split(/\s+/);
    if (!name || !ASDF_NAMES[tool].includes(name)) continue;
    if (first === undefined) return { ok: false, reason: `line "${line}" names no version` };
    if (first.startsWith('ref:') || first.startsWith('path:')) {
      return { ok: false, reason: `"${first}" is not supported (use a version)` };
    }
    const spec = parseVersionSpec(first);
    return spec ? { ok: true, spec } : { ok: false, reason: `"${first}" is not a version` };
  }
  return { ok: true };
}

/** Parses one version file's content for `tool`. */
export function parseVersionFile(fileName: string, content: string, tool: ToolName): FileParse {
  if (fileName === '.tool-versions') return parseToolVersions(content, tool);
  const [first, ...rest] = significantLines(content);
  if (first === undefined) return { ok: false, reason: 'the file is empty' };
  if (rest.length > 0) return { ok: false, reason: 'expected a single line with a version' };
  const spec = parseVersionSpec(first);
  return spec
    ? { ok: true, spec }
    : { ok: false, reason: `"${first}" is not a version, keyword or constraint` };
}

type HclJson = Readonly<Record<string, unknown>>;

function blocks(value: unknown): HclJson[] {
  if (Array.isArray(value)) return value.filter((b): b is HclJson => typeof b === 'object' && b !== null);
  return typeof value === 'object' && value !== null ? [value as HclJson] : [];
}

export type ConstraintParse =
  | { readonly ok: true; readonly constraints: readonly VersionConstraint[] }
  | { readonly ok: false; readonly reason: string };

function toConstraints(values: readonly unknown[], attr: string): ConstraintParse {
  const constraints: VersionConstraint[] = [];
  for (const value of values) {
    const parsed = typeof value === 'string' ? parseConstraint(value) : undefined;
    if (!parsed) return { ok: false, reason: `${attr} ${JSON.stringify(value)} is not a version constraint` };
    constraints.push(parsed);
  }
  return { ok: true, constraints };
}

/** `required_version` of every `terraform {}` block in a parsed `.tf` (hcl2json) or `.tf.json` file. */
export function requiredVersions(json: HclJson): ConstraintParse {
  const values = blocks(json.terraform)
    .map((b) => b.required_version)
    .filter((v) => v !== undefined);
  return toConstraints(values, 'required_version');
}

/** A top-level attribute of a parsed `terragrunt.hcl` (`terraform_version_constraint`...). */
export function terragruntConstraint(json: HclJson, attr: string): ConstraintParse {
  const value = json[attr];
  return toConstraints(value === undefined ? [] : [value], attr);
}
