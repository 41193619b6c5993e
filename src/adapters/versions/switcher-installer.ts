import { chmod, copyFile, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { DriftdError } from '../../domain/errors.js';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import type { BinaryCache, BinaryInstaller, InstallOutcome } from './binary-cache.js';
import { type PathProbe, readBinaryVersion } from './binary-version.js';
import { OFFICIAL_MIRRORS } from './release-index.js';

export interface SwitcherInstallerOptions {
  readonly cache: BinaryCache;
  readonly probe: PathProbe;
  readonly mirrors: Readonly<Record<ToolName, string>>;
  /** Used when the switcher is not on PATH or fails. */
  readonly fallback: BinaryInstaller;
  readonly timeoutMs?: number;
}

const SWITCHERS: Readonly<Record<ToolName, string>> = {
  terraform: 'tfswitch',
  tofu: 'tfswitch',
  terragrunt: 'tgswitch',
};

/**
 * tfswitch / tgswitch, installing into driftd's cache: the switcher writes the binary to a temp
 * `--bin` target (its own download cache lives under `<cacheDir>/<tool>/switcher`, which is also its
 * HOME, so no `~/.tfswitch.toml` of the host leaks in), we check the result reports the requested
 * version, then the cache moves it into `<cacheDir>/<tool>/versions/<v>/` under the same lock and
 * atomic rename as native installs. tfswitch verifies HashiCorp's signature; tgswitch verifies
 * nothing (upstream limitation). A non-official terraform mirror is passed as `--mirror <base>/terraform`.
 */
export class SwitcherInstaller implements BinaryInstaller {
  constructor(private readonly opts: SwitcherInstallerOptions) {}

  async install(tool: ToolName, version: string, signal?: AbortSignal): Promise<InstallOutcome> {
    const switcher = await this.opts.probe.find(SWITCHERS[tool]);
    if (switcher === undefined) return this.opts.fallback.install(tool, version, signal);
    const produce = (dir: string, s: AbortSignal) => this.produce(switcher, tool, version, dir, s);
    const res = await this.opts.cache.ensure(tool, version, produce, signal);
    if (res.ok || signal?.aborted) return res;
    const native = await this.opts.fallback.install(tool, version, signal);
    return native.ok ? native : { ok: false, message: `${res.message}; native installer: ${native.message}` };
  }

  private args(tool: ToolName, version: string, home: string, target: string): string[] {
    if (tool === 'terragrunt') return ['--bin', target, version];
    const args = [
      '--install',
      home,
      '--bin',
      target,
      '--product',
      tool === 'tofu' ? 'opentofu' : 'terraform',
    ];
    const mirror = this.opts.mirrors.terraform.replace(/\/+$/, '');
    if (tool === 'terraform' && mirror !== OFFICIAL_MIRRORS.terraform)
      args.push('--mirror', `${mirror}/terraform`);
    return [...args, version];
  }

  private async produce(switcher: string, tool: ToolName, version: string, dir: string, signal: AbortSignal) {
    const home = path.join(this.opts.cache.cacheDir, tool, 'switcher');
    const outDir = path.join(dir, 'switched');
    await mkdir(home, { recursive: true });
    await mkdir(outDir);
    const target = path.join(outDir, tool);
    const res = await execa(switcher, this.args(tool, version, home, target), {
      cwd: dir,
      env: { HOME: home },
      reject: false,
      stdin: 'ignore',
      cancelSignal: signal,
      timeout: this.opts.timeoutMs ?? 10 * 60_000,
    });
    const name = path.basename(switcher);
    if (res.exitCode !== 0) {
      const tail = `${res.stderr}\n${res.stdout}`.trim().split('\n').slice(-3).join(' | ');
      throw new DriftdError(
        'DRIFTD_TOOL_UNAVAILABLE',
        `${name} could not install ${tool} ${version}: ${tail}`,
      );
    }
    const out = path.join(dir, tool);
    const produced = await realpath(target).catch(() => {
      throw new DriftdError('DRIFTD_TOOL_UNAVAILABLE', `${name} exited 0 but wrote no ${tool} binary`);
    });
    await copyFile(produced, out);
    await chmod(out, 0o755);
    const got = await readBinaryVersion(tool, out);
    if (got !== version) {
      throw new DriftdError(
        'DRIFTD_TOOL_UNAVAILABLE',
        `${name} installed ${tool} ${got ?? '(unknown)'}, not ${version}`,
      );
    }
    return out;
  }
}
