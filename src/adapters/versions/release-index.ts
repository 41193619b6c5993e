import semver from 'semver';
import { DriftdError } from '../../domain/errors.js';
import type { ToolName } from '../../ports/tool-resolver.port.js';
import { abortable, fetchText, type HttpOptions, redactUrl } from './http-fetch.js';

/**
 * Where releases live, per tool. Archive and checksum URLs are always built from the configured
 * base, never taken from absolute URLs inside an index (a mirror must serve everything itself).
 *
 * Expected mirror layouts (`<base>` = `tools.mirrors.<tool>`, trailing slash ignored):
 * - terraform (HashiCorp's tree): `<base>/terraform/index.json` (`{"versions":{"1.7.5":{…}}}`),
 *   `<base>/terraform/<v>/terraform_<v>_<os>_<arch>.zip`, `<base>/terraform/<v>/terraform_<v>_SHA256SUMS`.
 * - tofu (GitHub release tree): `<base>/v<v>/tofu_<v>_<os>_<arch>.zip`, `<base>/v<v>/tofu_<v>_SHA256SUMS`;
 *   version list `<base>/api.json` (`{"versions":[{"id":"1.8.0"}]}`), or
 *   `https://get.opentofu.org/tofu/api.json` for the official base.
 * - terragrunt (GitHub release tree): `<base>/v<v>/terragrunt_<os>_<arch>` (bare executable),
 *   `<base>/v<v>/SHA256SUMS`; version list `<base>/index.json`, or the GitHub releases API (newest
 *   100 releases) for the official base.
 * Any list URL can be overridden (`versionListUrls`). Lists may be any of the shapes `parseVersionList` reads.
 */
export const OFFICIAL_MIRRORS: Readonly<Record<ToolName, string>> = {
  terraform: 'https://releases.hashicorp.com',
  tofu: 'https://github.com/opentofu/opentofu/releases/download',
  terragrunt: 'https://github.com/gruntwork-io/terragrunt/releases/download',
};

const OFFICIAL_LISTS: Readonly<Record<ToolName, string>> = {
  terraform: 'https://releases.hashicorp.com/terraform/index.json',
  tofu: 'https://get.opentofu.org/tofu/api.json',
  terragrunt: 'https://api.github.com/repos/gruntwork-io/terragrunt/releases?per_page=100',
};

export interface Platform {
  readonly os: string;
  readonly arch: string;
}

export function currentPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return { os, arch: arches[process.arch] ?? process.arch };
}

export interface ReleaseLayout {
  /** `zip`: the binary is inside a zip; `binary`: the artifact is the executable itself. */
  readonly kind: 'zip' | 'binary';
  readonly listUrl: string;
  artifactName(version: string): string;
  artifactUrl(version: string): string;
  sumsName(version: string): string;
  sumsUrl(version: string): string;
}

export function releaseLayout(
  tool: ToolName,
  mirror: string,
  platform: Platform,
  listUrl?: string,
): ReleaseLayout {
  const base = mirror.replace(/\/+$/, '');
  const official = base === OFFICIAL_MIRRORS[tool];
  const { os, arch } = platform;
  switch (tool) {
    case 'terraform':
      return {
        kind: 'zip',
        listUrl: listUrl ?? `${base}/terraform/index.json`,
        artifactName: (v) => `terraform_${v}_${os}_${arch}.zip`,
        artifactUrl: (v) => `${base}/terraform/${v}/terraform_${v}_${os}_${arch}.zip`,
        sumsName: (v) => `terraform_${v}_SHA256SUMS`,
        sumsUrl: (v) => `${base}/terraform/${v}/terraform_${v}_SHA256SUMS`,
      };
    case 'tofu':
      return {
        kind: 'zip',
        listUrl: listUrl ?? (official ? OFFICIAL_LISTS.tofu : `${base}/api.json`),
        artifactName: (v) => `tofu_${v}_${os}_${arch}.zip`,
        artifactUrl: (v) => `${base}/v${v}/tofu_${v}_${os}_${arch}.zip`,
        sumsName: (v) => `tofu_${v}_SHA256SUMS`,
        sumsUrl: (v) => `${base}/v${v}/tofu_${v}_SHA256SUMS`,
      };
    case 'terragrunt':
      return {
        kind: 'binary',
        listUrl: listUrl ?? (official ? OFFICIAL_LISTS.terragrunt : `${base}/index.json`),
        artifactName: () => `terragrunt_${os}_${arch}${os === 'windows' ? '.exe' : ''}`,
        artifactUrl: (v) => `${base}/v${v}/terragrunt_${os}_${arch}${os === 'windows' ? '.exe' : ''}`,
        sumsName: () => 'SHA256SUMS',
        sumsUrl: (v) => `${base}/v${v}/SHA256SUMS`,
      };
  }
}

function versionOf(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const e = entry as Record<string, unknown>;
  return e.id ?? e.version ?? e.tag_name ?? e.name;
}

/**
 * Version list shapes accepted: HashiCorp `{"versions":{"1.7.5":{…}}}`, OpenTofu
 * `{"versions":[{"id":"1.8.0"}]}`, a plain `{"versions":["0.67.0"]}` or `["0.67.0"]`, and GitHub
 * releases `[{"tag_name":"v0.67.0"}]`. A leading `v` is dropped; non-semver entries are skipped.
 */
export function parseVersionList(body: unknown): string[] {
  const list = Array.isArray(body) ? body : (body as { versions?: unknown } | null)?.versions;
  const raw: unknown[] = Array.isArray(list)
    ? list.map(versionOf)
    : typeof list === 'object' && list !== null
      ? Object.keys(list)
      : [];
  return raw
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.replace(/^v/, ''))
    .filter((v) => semver.valid(v) === v);
}

export interface ReleaseIndexOptions {
  readonly mirrors: Readonly<Record<ToolName, string>>;
  readonly versionListUrls?: Readonly<Partial<Record<ToolName, string>>>;
  readonly http: HttpOptions;
  readonly platform: Platform;
  /** How long a fetched list is reused (default 5 min): one request serves many jobs. */
  readonly ttlMs?: number;
}

/** Available versions per tool, fetched from the configured list URL and memoised for `ttlMs`. */
export class ReleaseIndex {
  private readonly memo = new Map<ToolName, { at: number; list: Promise<string[]> }>();

  constructor(private readonly opts: ReleaseIndexOptions) {}

  layout(tool: ToolName): ReleaseLayout {
    return releaseLayout(
      tool,
      this.opts.mirrors[tool],
      this.opts.platform,
      this.opts.versionListUrls?.[tool],
    );
  }

  async versions(tool: ToolName, signal?: AbortSignal): Promise<string[]> {
    const hit = this.memo.get(tool);
    if (hit && Date.now() - hit.at < (this.opts.ttlMs ?? 5 * 60_000)) return abortable(hit.list, signal);
    // Shared by concurrent callers, so it runs without any one caller's signal (it has its own timeouts).
    const list = this.fetchList(tool);
    this.memo.set(tool, { at: Date.now(), list });
    list.catch(() => this.memo.delete(tool));
    return abortable(list, signal);
  }

  private async fetchList(tool: ToolName): Promise<string[]> {
    const url = this.layout(tool).listUrl;
    const text = await fetchText(url, this.opts.http);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DriftdError(
        'DRIFTD_TOOL_UNAVAILABLE',
        `the ${tool} version list ${redactUrl(url)} is not JSON`,
      );
    }
    const versions = parseVersionList(body);
    if (versions.length === 0) {
      throw new DriftdError(
        'DRIFTD_TOOL_UNAVAILABLE',
        `the ${tool} version list ${redactUrl(url)} lists no versions`,
      );
    }
    return versions;
  }
}
