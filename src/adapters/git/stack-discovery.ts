import { parse as parseHcl } from '@cdktf/hcl2json';
import picomatch from 'picomatch';
import { ROOT_STACK, type StackPath } from '../../domain/ids.js';

/**
 * Stack discovery rules (a pure function of a file list, so it runs on a mirror's `git ls-tree` or a
 * local directory alike):
 *
 * 1. A directory is a stack when it directly holds a Terraform/OpenTofu file (`*.tf`, `*.tf.json`,
 *    `*.tofu`, `*.tofu.json`) or a unit `terragrunt.hcl`. The repo root is the stack `.`.
 * 2. Never stacks: any directory with a path segment `modules` (module code, planned through the stacks
 *    that use it), and hidden directories (`.terraform`, `.terragrunt-cache`, `.git`, `.github`, ...).
 *    Files Terraform itself ignores (`.*`, `#*`, `*~`) do not count.
 * 3. A `terragrunt.hcl` is a *parent* (shared settings included by children, not a stack) when another
 *    `terragrunt.hcl` exists in a directory below it and it has no `terraform { source = ... }`. Other
 *    `*.hcl` files (`root.hcl`, `env.hcl`, ...) never make a stack.
 * 4. `ignorePaths` globs (picomatch, matched against the slash-separated directory path, `.` for the
 *    root) remove a directory and everything below it (`.` removes only the root stack itself).
 * The result is sorted and deduplicated.
 */
export interface DiscoverOptions {
  readonly ignorePaths: readonly string[];
  /** Reads a file (repo-relative path); null when unreadable. Used only for parent terragrunt.hcl checks. */
  readonly readFile: (path: string) => Promise<string | null>;
}

const TF_FILE = /\.(tf|tf\.json|tofu|tofu\.json)$/;
const TERRAGRUNT_FILE = 'terragrunt.hcl';

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? ROOT_STACK : path.slice(0, i);
}

function isExcludedDir(dir: string): boolean {
  if (dir === ROOT_STACK) return false;
  return dir.split('/').some((seg) => seg === 'modules' || seg.startsWith('.'));
}

function isIgnoredByTerraform(name: string): boolean {
  return name.startsWith('.') || name.startsWith('#') || name.endsWith('~');
}

function isBelow(child: string, parent: string): boolean {
  return parent === ROOT_STACK ? child !== ROOT_STACK : child.startsWith(`${parent}/`);
}

/** `dir` and its ancestors below the root (ignoring `.` drops only the root stack, not everything). */
function selfAndAncestors(dir: string): string[] {
  if (dir === ROOT_STACK) return [ROOT_STACK];
  const segs = dir.split('/');
  return segs.map((_, i) => segs.slice(0, i + 1).join('/'));
}

export async function discoverStackPaths(
  files: readonly string[],
  opts: DiscoverOptions,
): Promise<StackPath[]> {
  const tfDirs = new Set<string>();
  const tgDirs = new Set<string>();
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    const dir = dirOf(file);
    if (isExcludedDir(dir) || isIgnoredByTerraform(name)) continue;
    if (name === TERRAGRUNT_FILE) tgDirs.add(dir);
    else if (TF_FILE.test(name)) tfDirs.add(dir);
  }
  const stacks = new Set(tfDirs);
  for (const dir of tgDirs) {
    const hasChildUnits = [...tgDirs].some((other) => isBelow(other, dir));
    if (!hasChildUnits || (await isUnitConfig(dir, opts.readFile))) stacks.add(dir);
  }
  const ignored = opts.ignorePaths.length > 0 ? picomatch([...opts.ignorePaths], { dot: true }) : () => false;
  return [...stacks]
    .filter((dir) => !selfAndAncestors(dir).some((d) => ignored(d)))
    .sort((a, b) => (a === b ? 0 : a === ROOT_STACK ? -1 : b === ROOT_STACK ? 1 : a < b ? -1 : 1))
    .map((d) => d as StackPath);
}

async function isUnitConfig(dir: string, readFile: DiscoverOptions['readFile']): Promise<boolean> {
  const path = dir === ROOT_STACK ? TERRAGRUNT_FILE : `${dir}/${TERRAGRUNT_FILE}`;
  const content = await readFile(path);
  return content !== null && hasTerraformSource(content);
}

/** True when a terragrunt config has a top-level `terraform { source = ... }` (it runs a module). */
export async function hasTerraformSource(content: string): Promise<boolean> {
  try {
    const json = (await parseHcl(TERRAGRUNT_FILE, content)) as { terraform?: unknown };
    const blocks = Array.isArray(json.terraform) ? json.terraform : [json.terraform];
    return blocks.some((b) => typeof b === 'object' && b !== null && 'source' in b);
  } catch {
    // Unparseable (new syntax, a typo): fall back to a textual look at terraform blocks only.
    return /^\s*terraform\s*\{[^{}]*\bsource\s*=/m.test(content);
  }
}
