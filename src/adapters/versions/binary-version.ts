import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import type { ToolName } from '../../ports/tool-resolver.port.js';

/**
 * Reads a version from `terraform version -json` / `tofu version -json` (key `terraform_version`,
 * possibly after warning lines), human `Terraform v1.5.7` / `OpenTofu v1.8.0`, or terragrunt's
 * `terragrunt version v0.67.0`. Pre-release suffixes are kept.
 */
export function parseVersionOutput(output: string): string | undefined {
  const jsonStart = output.indexOf('{');
  if (jsonStart >= 0) {
    try {
      const doc = JSON.parse(output.slice(jsonStart)) as { terraform_version?: unknown };
      if (typeof doc.terraform_version === 'string') return semver.valid(doc.terraform_version) ?? undefined;
    } catch {
      // Not JSON: try the human forms.
    }
  }
  const m = /(?:Terraform|OpenTofu|terragrunt version)\s+v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/i.exec(output);
  return m ? (semver.valid(m[1]) ?? undefined) : undefined;
}

/** The first executable regular file called `name` on `pathEnv`. */
export async function findOnPath(name: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const file = path.join(dir, name);
    try {
      if (!(await stat(file)).isFile()) continue;
      await access(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const VERSION_ARGS: Readonly<Record<ToolName, readonly (readonly string[])[]>> = {
  terraform: [['version', '-json'], ['version']],
  tofu: [['version', '-json'], ['version']],
  terragrunt: [['--version'], ['version']],
};

/** Runs the binary's version command(s); undefined when none prints a version. */
export async function readBinaryVersion(
  tool: ToolName,
  file: string,
  env?: Record<string, string>,
): Promise<string | undefined> {
  for (const args of VERSION_ARGS[tool]) {
    const res = await execa(file, [...args], {
      reject: false,
      timeout: 15_000,
      env: { CHECKPOINT_DISABLE: '1', ...env },
      stdin: 'ignore',
    });
    const version = parseVersionOutput(res.stdout) ?? parseVersionOutput(res.stderr);
    if (version !== undefined) return version;
  }
  return undefined;
}

export interface PathBinary {
  readonly path: string;
  readonly version: string;
}

/** The tools on PATH and their versions, memoised per file and mtime (an upgrade is noticed). */
export class PathProbe {
  private readonly memo = new Map<string, Promise<string | undefined>>();

  constructor(private readonly pathEnv: string | undefined) {}

  find(name: string): Promise<string | undefined> {
    return findOnPath(name, this.pathEnv);
  }

  async probe(tool: ToolName): Promise<PathBinary | undefined> {
    const file = await this.find(tool);
    if (file === undefined) return undefined;
    const key = `${tool}:${file}:${(await stat(file)).mtimeMs}`;
    let version = this.memo.get(key);
    if (!version) {
      version = readBinaryVersion(tool, file).catch(() => undefined);
      this.memo.set(key, version);
    }
    const v = await version;
    return v === undefined ? undefined : { path: file, version: v };
  }
}
