import { access, chmod, constants, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import { acquireFileLock, type FileLockOptions } from '../shared/file-lock.js';
import { abortable } from './http-fetch.js';

/** Installs as data: `message` is fit for a job error. */
export type InstallOutcome =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly message: string };

/** Something that can install a tool version into the shared cache. */
export interface BinaryInstaller {
  install(tool: ToolName, version: string, signal?: AbortSignal): Promise<InstallOutcome>;
}

/** Puts a verified executable inside `workDir` and returns its path (throws on any failure). */
export type Producer = (workDir: string, signal: AbortSignal) => Promise<string>;

/**
 * Tuning of the per-version install lock (src/adapters/shared/file-lock.ts). A rare double break of
 * a stale lock only costs a duplicate download, never a bad binary: installs end with an atomic
 * rename of a verified file.
 */
export type InstallLockOptions = Pick<FileLockOptions, 'staleMs' | 'heartbeatMs' | 'pollMs'>;

const INSTALL_LOCK: InstallLockOptions = { staleMs: 60_000, heartbeatMs: 10_000, pollMs: 100 };

interface Inflight {
  readonly promise: Promise<InstallOutcome>;
  readonly controller: AbortController;
  waiters: number;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Writes a file and fsyncs it, so a crash after the rename cannot leave a truncated binary. */
export async function writeFileSynced(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'wx', 0o755);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The shared binary cache: `<cacheDir>/<tool>/versions/<v>/<tool>`. A binary is only ever placed at
 * its final path by an atomic rename of a complete, verified file, so its presence means "installed".
 * `ensure` runs at most one install per version: concurrent callers in this process share one
 * promise, other processes wait on `.<v>.lock` and re-check the final path once they get it.
 */
export class BinaryCache {
  private readonly inflight = new Map<string, Inflight>();
  private readonly lock: InstallLockOptions;

  constructor(
    readonly cacheDir: string,
    lock?: InstallLockOptions,
  ) {
    this.lock = { ...INSTALL_LOCK, ...lock };
  }

  versionsDir(tool: ToolName): string {
    return path.join(this.cacheDir, tool, 'versions');
  }

  binaryPath(tool: ToolName, version: string): string {
    if (semver.valid(version) !== version) throw new Error(`not a version: ${JSON.stringify(version)}`);
    return path.join(this.versionsDir(tool), version, tool);
  }

  async isInstalled(tool: ToolName, version: string): Promise<boolean> {
    try {
      const file = this.binaryPath(tool, version);
      if (!(await stat(file)).isFile()) return false;
      await access(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  async listInstalled(tool: ToolName): Promise<string[]> {
    const names = await readdir(this.versionsDir(tool)).catch(() => [] as string[]);
    const valid = names.filter((n) => semver.valid(n) === n);
    const present = await Promise.all(valid.map((v) => this.isInstalled(tool, v)));
    return valid.filter((_, i) => present[i]);
  }

  async ensure(
    tool: ToolName,
    version: string,
    produce: Producer,
    signal?: AbortSignal,
  ): Promise<InstallOutcome> {
    if (await this.isInstalled(tool, version)) return { ok: true, path: this.binaryPath(tool, version) };
    const key = `${tool}@${version}`;
    let entry = this.inflight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const created: Inflight = {
        promise: this.installLocked(tool, version, produce, controller.signal).finally(() =>
          this.forget(key, created),
        ),
        controller,
        waiters: 0,
      };
      entry = created;
      this.inflight.set(key, entry);
    }
    return this.wait(key, entry, signal);
  }

  private forget(key: string, entry: Inflight): void {
    if (this.inflight.get(key) === entry) this.inflight.delete(key);
  }

  /**
   * One caller's wait. The shared install is aborted only when every waiter has given up, and is
   * then forgotten at once, so a new caller starts a fresh install instead of joining a dying one.
   */
  private async wait(key: string, entry: Inflight, signal?: AbortSignal): Promise<InstallOutcome> {
    entry.waiters += 1;
    try {
      return await abortable(entry.promise, signal);
    } catch {
      return { ok: false, message: `install of ${key.replace('@', ' ')} aborted` };
    } finally {
      entry.waiters -= 1;
      if (entry.waiters === 0 && signal?.aborted) {
        entry.controller.abort();
        this.forget(key, entry);
      }
    }
  }

  private async installLocked(
    tool: ToolName,
    version: string,
    produce: Producer,
    signal: AbortSignal,
  ): Promise<InstallOutcome> {
    const dir = this.versionsDir(tool);
    try {
      const final = this.binaryPath(tool, version);
      await mkdir(dir, { recursive: true });
      const lock = await acquireFileLock(
        path.join(dir, `.${version}.lock`),
        { ...this.lock, stopWaitingIf: () => this.isInstalled(tool, version) },
        signal,
      );
      if (!lock) return { ok: true, path: final };
      try {
        if (await this.isInstalled(tool, version)) return { ok: true, path: final };
        await this.removeLeftovers(dir, version);
        return { ok: true, path: await this.produceInto(dir, final, produce, version, signal) };
      } finally {
        await lock.release();
      }
    } catch (e) {
      return { ok: false, message: signal.aborted ? `install of ${tool} ${version} aborted` : messageOf(e) };
    }
  }

  private async produceInto(
    dir: string,
    final: string,
    produce: Producer,
    version: string,
    signal: AbortSignal,
  ) {
    const work = await mkdtemp(path.join(dir, `.tmp-${version}_`));
    try {
      const built = await produce(work, signal);
      await chmod(built, 0o755);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(built, final);
      return final;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Temp dirs of installs that died (killed process): safe to delete while we hold the lock. */
  private async removeLeftovers(dir: string, version: string): Promise<void> {
    const prefix = `.tmp-${version}_`; // `_` never occurs in a version
    const names = await readdir(dir);
    await Promise.all(
      names
        .filter((n) => n.startsWith(prefix))
        .map((n) => rm(path.join(dir, n), { recursive: true, force: true })),
    );
  }
}
