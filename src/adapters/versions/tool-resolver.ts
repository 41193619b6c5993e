import { err, ok, type Result } from '../../domain/result.js';
import type {
  ResolvedBinary,
  ResolvedTool,
  ToolName,
  ToolRequest,
  ToolResolveError,
  ToolResolver,
} from '../../ports/tool-resolver.port.js';
import { BinaryCache, type BinaryInstaller, type InstallLockOptions } from './binary-cache.js';
import { PathProbe } from './binary-version.js';
import { DEFAULT_HTTP, type HttpOptions } from './http-fetch.js';
import { NativeInstaller } from './native-installer.js';
import { currentPlatform, OFFICIAL_MIRRORS, type Platform, ReleaseIndex } from './release-index.js';
import { SwitcherInstaller } from './switcher-installer.js';
import { checkSelected, planSelection, type Selection, selectFrom } from './version-choice.js';
import { detectVersion } from './version-detection.js';

/** The `tools:` config slice as plain options (plus test seams: PATH, platform, timeouts). */
export interface NativeToolResolverOptions {
  readonly cacheDir: string;
  /** Release base URL per tool; official sites when absent (layouts: see release-index.ts). */
  readonly mirrors?: Readonly<Partial<Record<ToolName, string>>>;
  readonly defaultVersions?: Readonly<Partial<Record<ToolName, string>>>;
  readonly useSwitchers?: boolean;
  /** Allow network installs (default true); false = cached or PATH binaries only. */
  readonly install?: boolean;
  readonly versionListUrls?: Readonly<Partial<Record<ToolName, string>>>;
  /** PATH to search for tools and switchers (default `process.env.PATH`). */
  readonly pathEnv?: string;
  readonly platform?: Platform;
  readonly http?: Partial<HttpOptions>;
  readonly lock?: InstallLockOptions;
  readonly indexTtlMs?: number;
  /** Called after a binary was downloaded and installed into the cache (for metrics). */
  readonly onInstall?: (tool: ToolName) => void;
  /** Called when the binary was already in the cache or on PATH (for metrics). */
  readonly onCacheHit?: (tool: ToolName) => void;
}

type Outcome<T> = Result<T, ToolResolveError>;
const configError = (message: string): Outcome<never> => err({ kind: 'config_error', message });
const downloadError = (message: string): Outcome<never> => err({ kind: 'download_error', message });

/**
 * ToolResolver over the shared binary cache: detection (version files, constraints, default, PATH)
 * → a version → the cached binary, or an install (tfswitch/tgswitch when enabled and present, else
 * the native installer). An exact pin that is cached costs no network call at all.
 */
export class NativeToolResolver implements ToolResolver {
  private readonly cache: BinaryCache;
  private readonly index: ReleaseIndex;
  private readonly probe: PathProbe;
  private readonly installer: BinaryInstaller;
  private readonly allowInstall: boolean;
  private readonly defaults: Readonly<Partial<Record<ToolName, string>>>;
  private readonly onInstall: (tool: ToolName) => void;
  private readonly onCacheHit: (tool: ToolName) => void;

  constructor(opts: NativeToolResolverOptions) {
    const mirrors = { ...OFFICIAL_MIRRORS, ...opts.mirrors };
    const http = { ...DEFAULT_HTTP, ...opts.http };
    this.cache = new BinaryCache(opts.cacheDir, opts.lock);
    this.index = new ReleaseIndex({
      mirrors,
      http,
      platform: opts.platform ?? currentPlatform(),
      ...(opts.versionListUrls && { versionListUrls: opts.versionListUrls }),
      ...(opts.indexTtlMs !== undefined && { ttlMs: opts.indexTtlMs }),
    });
    this.probe = new PathProbe(opts.pathEnv ?? process.env.PATH);
    const native = new NativeInstaller({ cache: this.cache, layout: (t) => this.index.layout(t), http });
    this.installer = opts.useSwitchers
      ? new SwitcherInstaller({ cache: this.cache, probe: this.probe, mirrors, fallback: native })
      : native;
    this.allowInstall = opts.install ?? true;
    this.defaults = opts.defaultVersions ?? {};
    this.onInstall = opts.onInstall ?? (() => undefined);
    this.onCacheHit = opts.onCacheHit ?? (() => undefined);
  }

  async resolve(
    request: ToolRequest,
    signal?: AbortSignal,
  ): Promise<
    | { readonly ok: true; readonly tool: ResolvedTool }
    | { readonly ok: false; readonly error: ToolResolveError }
  > {
    const [main, iac] = await Promise.all([
      this.resolveBinary(request.tool, request, signal),
      request.tool === 'terragrunt' ? this.resolveBinary(request.iacTool, request, signal) : undefined,
    ]);
    if (!main.ok) return { ok: false, error: main.error };
    if (iac && !iac.ok) return { ok: false, error: iac.error };
    return { ok: true, tool: { main: main.value, ...(iac && { iac: iac.value }) } };
  }

  private async resolveBinary(
    tool: ToolName,
    req: ToolRequest,
    signal?: AbortSignal,
  ): Promise<Outcome<ResolvedBinary>> {
    const detection = await detectVersion(tool, req.repoRoot, req.stackDir);
    if (!detection.ok) return configError(detection.error);
    const planned = planSelection(tool, detection.value, this.defaults[tool]);
    if (!planned.ok) return configError(planned.error);
    const sel = planned.value;
    if (sel.preferPath) {
      const onPath = await this.probe.probe(tool);
      if (onPath) {
        const problem = checkSelected(sel, onPath.version);
        if (problem !== undefined) return configError(problem);
        const source = sel.spec.kind === 'system' ? sel.source : 'PATH';
        this.onCacheHit(tool);
        return ok({ name: tool, version: onPath.version, path: onPath.path, source });
      }
      if (sel.spec.kind === 'system')
        return configError(`${sel.source} asks for the ${tool} on PATH, but there is none`);
    }
    const version = await this.chooseVersion(sel, signal);
    if (!version.ok) return version;
    const file = await this.obtain(tool, version.value, signal);
    return file.ok ? ok({ name: tool, version: version.value, path: file.value, source: sel.source }) : file;
  }

  private async chooseVersion(sel: Selection, signal?: AbortSignal): Promise<Outcome<string>> {
    if (sel.spec.kind === 'exact') {
      const problem = checkSelected(sel, sel.spec.version);
      return problem === undefined ? ok(sel.spec.version) : configError(problem);
    }
    if (!this.allowInstall) {
      const local = selectFrom(sel, await this.localVersions(sel.tool));
      return local.ok
        ? local
        : downloadError(`${local.error} among the cached versions (installs are disabled)`);
    }
    let available: string[];
    try {
      available = await this.index.versions(sel.tool, signal);
    } catch (e) {
      // Offline: a cached version that fits is as good as any.
      const local = selectFrom(sel, await this.localVersions(sel.tool));
      return local.ok ? local : downloadError(`cannot list ${sel.tool} versions: ${(e as Error).message}`);
    }
    const picked = selectFrom(sel, available);
    return picked.ok ? picked : configError(picked.error);
  }

  private async localVersions(tool: ToolName): Promise<string[]> {
    const onPath = await this.probe.probe(tool);
    return [...(await this.cache.listInstalled(tool)), ...(onPath ? [onPath.version] : [])];
  }

  private async obtain(tool: ToolName, version: string, signal?: AbortSignal): Promise<Outcome<string>> {
    if (await this.cache.isInstalled(tool, version)) {
      this.onCacheHit(tool);
      return ok(this.cache.binaryPath(tool, version));
    }
    const onPath = await this.probe.probe(tool);
    if (onPath?.version === version) {
      this.onCacheHit(tool);
      return ok(onPath.path);
    }
    if (!this.allowInstall) {
      return downloadError(
        `${tool} ${version} is not in the cache (${this.cache.versionsDir(tool)}) and installs are disabled`,
      );
    }
    const installed = await this.installer.install(tool, version, signal);
    if (!installed.ok) return downloadError(installed.message);
    this.onInstall(tool);
    return ok(installed.path);
  }
}
