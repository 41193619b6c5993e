import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { err, ok, type Result } from '../../domain/result.js';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import {
  type ConstraintParse,
  parseVersionFile,
  requiredVersions,
  terragruntConstraint,
  VERSION_FILES,
} from './version-files.js';
import type { VersionConstraint, VersionSpec } from './version-spec.js';

/** A version file's pin; `file` is relative to the repo root. */
export interface PinnedSpec {
  readonly spec: VersionSpec;
  readonly file: string;
}

/** A constraint found in the stack's code; all of them must hold together. */
export interface SourcedConstraint {
  readonly constraint: VersionConstraint;
  /** `required_version`, `terraform_version_constraint` or `terragrunt_version_constraint`. */
  readonly attr: string;
  readonly file: string;
}

export interface Detection {
  /** The nearest version file's pin, if any. */
  readonly pin?: PinnedSpec;
  readonly constraints: readonly SourcedConstraint[];
}

const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Directories from `stackDir` up to and including `repoRoot`; error when the stack is outside it. */
export function dirsUpToRoot(repoRoot: string, stackDir: string): Result<string[], string> {
  const root = path.resolve(repoRoot);
  const rel = path.relative(root, path.resolve(stackDir));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return err(`stack dir ${stackDir} is outside the repo`);
  const dirs = [root];
  let current = root;
  for (const part of rel.split(path.sep).filter((p) => p !== '')) {
    current = path.join(current, part);
    dirs.unshift(current);
  }
  return ok(dirs);
}

/**
 * Reads a file when it is a regular file whose real path stays inside the repo (a symlink must not
 * make us read, and quote in errors, a file outside the checkout). Undefined when absent.
 */
async function readInside(realRoot: string, file: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return undefined;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const info = await stat(real);
  if (!info.isFile()) return undefined;
  if (info.size > MAX_FILE_BYTES) throw new Error(`${path.basename(file)} is larger than 2 MiB`);
  return readFile(real, 'utf8');
}

async function findPin(
  tool: ToolName,
  root: string,
  dirs: readonly string[],
): Promise<Result<PinnedSpec | undefined, string>> {
  for (const dir of dirs) {
    for (const name of VERSION_FILES[tool]) {
      const file = path.join(dir, name);
      const rel = path.relative(root, file);
      let content: string | undefined;
      try {
        content = await readInside(root, file);
      } catch (e) {
        return err(`${rel}: cannot read: ${(e as Error).message}`);
      }
      if (content === undefined) continue;
      const parsed = parseVersionFile(name, content, tool);
      if (!parsed.ok) return err(`${rel}: ${parsed.reason}`);
      if (parsed.spec) return ok({ spec: parsed.spec, file: rel });
    }
  }
  return ok(undefined);
}

async function parseHclFile(
  root: string,
  file: string,
): Promise<Result<Record<string, unknown> | undefined, string>> {
  const rel = path.relative(root, file);
  try {
    const content = await readInside(root, file);
    if (content === undefined) return ok(undefined);
    const json = file.endsWith('.json') ? JSON.parse(content) : await parseHcl(path.basename(file), content);
    if (typeof json !== 'object' || json === null) return err(`${rel}: not an object`);
    return ok(json as Record<string, unknown>);
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return err(`${rel}: cannot parse: ${reason}`);
  }
}

/** `.tf`/`.tf.json` files of the stack; for tofu also `.tofu` files, which replace same-named `.tf`. */
export async function stackCodeFiles(stackDir: string, tool: ToolName): Promise<string[]> {
  const names = (await readdir(stackDir)).sort();
  const tofuStems = new Set(
    names.filter((n) => /\.tofu(\.json)?$/.test(n)).map((n) => n.replace(/\.tofu/, '')),
  );
  return names
    .filter((n) => {
      if (/\.tf(\.json)?$/.test(n)) return !(tool === 'tofu' && tofuStems.has(n.replace(/\.tf/, '')));
      return tool === 'tofu' && /\.tofu(\.json)?$/.test(n);
    })
    .map((n) => path.join(stackDir, n));
}

async function collect(
  root: string,
  files: readonly string[],
  attr: string,
  extract: (json: Record<string, unknown>) => ConstraintParse,
): Promise<Result<SourcedConstraint[], string>> {
  const found: SourcedConstraint[] = [];
  for (const file of files) {
    const json = await parseHclFile(root, file);
    if (!json.ok) return json;
    if (json.value === undefined) continue;
    const parsed = extract(json.value);
    const rel = path.relative(root, file);
    if (!parsed.ok) return err(`${rel}: ${parsed.reason}`);
    for (const constraint of parsed.constraints) found.push({ constraint, attr, file: rel });
  }
  return ok(found);
}

async function findConstraints(
  tool: ToolName,
  root: string,
  stackDir: string,
): Promise<Result<SourcedConstraint[], string>> {
  const terragruntHcl = [path.join(stackDir, 'terragrunt.hcl')];
  if (tool === 'terragrunt') {
    const attr = 'terragrunt_version_constraint';
    return collect(root, terragruntHcl, attr, (j) => terragruntConstraint(j, attr));
  }
  const code = await collect(
    root,
    await stackCodeFiles(stackDir, tool),
    'required_version',
    requiredVersions,
  );
  if (!code.ok) return code;
  const attr = 'terraform_version_constraint';
  const tg = await collect(root, terragruntHcl, attr, (j) => terragruntConstraint(j, attr));
  return tg.ok ? ok([...code.value, ...tg.value]) : tg;
}

/**
 * What a stack asks for `tool`: the nearest version file walking up from the stack dir to the repo
 * root, and the constraints in the stack's code (`required_version` in `.tf` files,
 * `terraform_version_constraint` / `terragrunt_version_constraint` in its `terragrunt.hcl`).
 * Errors (unparsable file, stack outside the repo) name the file, relative to the repo root.
 */
export async function detectVersion(
  tool: ToolName,
  repoRoot: string,
  stackDir: string,
): Promise<Result<Detection, string>> {
  const dirs = dirsUpToRoot(repoRoot, stackDir);
  if (!dirs.ok) return dirs;
  let root: string;
  try {
    root = await realpath(repoRoot);
  } catch {
    return err(`repo root ${repoRoot} does not exist`);
  }
  const realDirs = dirs.value.map((d) => path.join(root, path.relative(path.resolve(repoRoot), d)));
  const pin = await findPin(tool, root, realDirs);
  if (!pin.ok) return pin;
  const constraints = await findConstraints(tool, root, realDirs[0]!).catch((e: unknown) =>
    err(`${path.relative(root, realDirs[0]!) || '.'}: cannot read the stack dir (${(e as Error).message})`),
  );
  if (!constraints.ok) return constraints;
  return ok({ ...(pin.value && { pin: pin.value }), constraints: constraints.value });
}
