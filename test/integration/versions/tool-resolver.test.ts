import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriftdMetrics } from '../../../src/adapters/metrics/index.js';
import {
  NativeToolResolver,
  type NativeToolResolverOptions,
} from '../../../src/adapters/versions/tool-resolver.js';
import { createEmbeddedContainer } from '../../../src/app/container/create-embedded-container.js';
import { disposeContainer } from '../../../src/app/container/dispose-container.js';
import type { ToolRequest } from '../../../src/ports/tool-resolver.port.js';
import { key, parseScrape } from '../../adapters/metrics/scrape.js';
import { testConfig } from '../../support/test-config.js';
import { type Mirror, standInScript, startMirror } from './mirror-server.js';

let mirror: Mirror;
let base: string;
let repo: string;
let cacheDir: string;
let binDir: string;

beforeEach(async () => {
  mirror = await startMirror({
    terraform: ['1.41.0', '1.42.0'],
    tofu: ['1.9.1', '1.10.0'],
    terragrunt: ['0.77.0'],
  });
  base = await mkdtemp(path.join(tmpdir(), 'driftd-resolver-'));
  repo = path.join(base, 'repo');
  cacheDir = path.join(base, 'cache');
  binDir = path.join(base, 'bin');
  await mkdir(path.join(repo, 'stacks', 'app'), { recursive: true });
  await mkdir(binDir);
});

afterEach(async () => {
  await mirror.close();
  await rm(base, { recursive: true, force: true });
});

async function put(files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) await writeFile(path.join(repo, rel), content);
}

function resolver(extra: Partial<NativeToolResolverOptions> = {}) {
  return new NativeToolResolver({
    cacheDir,
    mirrors: mirror.bases,
    pathEnv: binDir,
    lock: { pollMs: 20 },
    ...extra,
  });
}

function request(
  tool: ToolRequest['tool'] = 'terraform',
  iacTool: ToolRequest['iacTool'] = 'terraform',
): ToolRequest {
  return { repoRoot: repo, stackDir: path.join(repo, 'stacks', 'app'), tool, iacTool };
}

async function reportedVersion(file: string, tool = 'terraform'): Promise<string> {
  if (tool === 'terragrunt') return (await execa(file, ['--version'])).stdout;
  return JSON.parse((await execa(file, ['version', '-json'])).stdout).terraform_version;
}

describe('NativeToolResolver end to end with a local mirror', () => {
  it('installs a pinned version only the mirror has, and the binary reports it', async () => {
    await put({
      '.terraform-version': '1.42.0\n',
      'stacks/app/main.tf': 'terraform {\n  required_version = ">= 1.40"\n}\n',
    });
    const res = await resolver().resolve(request());
    expect(res).toEqual({
      ok: true,
      tool: {
        main: {
          name: 'terraform',
          version: '1.42.0',
          source: '.terraform-version',
          path: path.join(cacheDir, 'terraform', 'versions', '1.42.0', 'terraform'),
        },
      },
    });
    if (res.ok) expect(await reportedVersion(res.tool.main.path)).toBe('1.42.0');
    expect(mirror.archiveDownloads()).toBe(1);
  });

  it('makes no network call at all for a cached exact pin, even with the mirror gone', async () => {
    await put({ 'stacks/app/.terraform-version': '1.41.0' });
    expect((await resolver().resolve(request())).ok).toBe(true);
    mirror.requests.length = 0;
    const again = await resolver().resolve(request());
    expect(again.ok && again.tool.main.source).toBe('stacks/app/.terraform-version');
    expect(mirror.requests).toEqual([]);
    await mirror.close();
    const offline = await resolver({ mirrors: { terraform: 'http://127.0.0.1:9/none' } }).resolve(request());
    expect(offline.ok && offline.tool.main.version).toBe('1.41.0');
  });

  it('reports an install, then cache and PATH hits, through its hooks into the metrics', async () => {
    const metrics = new DriftdMetrics({ defaultMetrics: false });
    const hooks = {
      onInstall: (tool: string) => metrics.toolInstalled(tool),
      onCacheHit: (tool: string) => metrics.toolCacheHit(tool),
    };
    await put({ 'stacks/app/.terraform-version': '1.41.0' });
    expect((await resolver(hooks).resolve(request())).ok).toBe(true);
    let series = parseScrape(await metrics.metrics());
    expect(series.get(key('driftd_tool_installs_total', { tool: 'terraform' }))).toBe(1);
    expect(series.get(key('driftd_tool_cache_hits_total', { tool: 'terraform' }))).toBeUndefined();

    expect((await resolver(hooks).resolve(request())).ok).toBe(true);
    await rm(path.join(repo, 'stacks', 'app', '.terraform-version'));
    await writeFile(path.join(binDir, 'terraform'), standInScript('terraform', '1.40.0'));
    await chmod(path.join(binDir, 'terraform'), 0o755);
    const onPath = await resolver(hooks).resolve(request());
    expect(onPath.ok && onPath.tool.main.source).toBe('PATH');
    series = parseScrape(await metrics.metrics());
    expect(series.get(key('driftd_tool_installs_total', { tool: 'terraform' }))).toBe(1);
    expect(series.get(key('driftd_tool_cache_hits_total', { tool: 'terraform' }))).toBe(2);
  });

  it("the container's resolver reports into the metrics connected to its runtimeMetrics", async () => {
    const base = testConfig();
    const config = {
      ...base,
      tools: { ...base.tools, cacheDir, mirrors: mirror.bases, install: true },
    };
    const container = createEmbeddedContainer({ config });
    try {
      const metrics = new DriftdMetrics({ defaultMetrics: false });
      container.cradle.runtimeMetrics.connect(metrics);
      await put({ 'stacks/app/.terraform-version': '1.42.0' });
      expect((await container.cradle.toolResolver.resolve(request())).ok).toBe(true);
      expect((await container.cradle.toolResolver.resolve(request())).ok).toBe(true);
      const series = parseScrape(await metrics.metrics());
      expect(series.get(key('driftd_tool_installs_total', { tool: 'terraform' }))).toBe(1);
      expect(series.get(key('driftd_tool_cache_hits_total', { tool: 'terraform' }))).toBe(1);
    } finally {
      await disposeContainer(container, 0);
    }
  });

  it('resolves terragrunt and the IaC binary it drives, each from its own pins', async () => {
    await put({
      '.terragrunt-version': '0.77.0',
      'stacks/app/terragrunt.hcl':
        'terraform_version_constraint = "~> 1.41.0"\nterraform {\n  source = "../../modules/app"\n}\n',
    });
    const res = await resolver().resolve(request('terragrunt', 'terraform'));
    if (!res.ok) throw new Error(res.error.message);
    expect(res.tool.main).toMatchObject({
      name: 'terragrunt',
      version: '0.77.0',
      source: '.terragrunt-version',
    });
    expect(res.tool.iac).toMatchObject({
      name: 'terraform',
      version: '1.41.0',
      source: 'terraform_version_constraint',
    });
    expect(await reportedVersion(res.tool.main.path, 'terragrunt')).toBe('terragrunt version v0.77.0');
    expect(await reportedVersion(res.tool.iac!.path)).toBe('1.41.0');
  });

  it('resolves tofu constraints against the mirror version list', async () => {
    await put({ 'stacks/app/versions.tofu': 'terraform {\n  required_version = "~> 1.9.0"\n}\n' });
    const res = await resolver().resolve(request('tofu', 'tofu'));
    if (!res.ok) throw new Error(res.error.message);
    expect(res.tool.main).toMatchObject({ name: 'tofu', version: '1.9.1', source: 'required_version' });
    expect(await reportedVersion(res.tool.main.path)).toBe('1.9.1');
    expect(mirror.requests).toContain('/tofu/api.json');
  });

  it('reports a pin that violates required_version as a config error, without network', async () => {
    await put({
      '.terraform-version': '1.41.0',
      'stacks/app/main.tf': 'terraform {\n  required_version = ">= 1.42"\n}\n',
    });
    const res = await resolver().resolve(request());
    expect(res).toEqual({
      ok: false,
      error: { kind: 'config_error', message: expect.stringContaining('stacks/app/main.tf') },
    });
    expect(!res.ok && res.error.message).toContain('.terraform-version selects terraform 1.41.0');
    expect(mirror.requests).toEqual([]);
  });

  it('reports a version the mirror lacks as a download error naming the URL', async () => {
    await put({ '.terraform-version': '9.9.9' });
    const res = await resolver().resolve(request());
    expect(res).toEqual({
      ok: false,
      error: {
        kind: 'download_error',
        message: expect.stringMatching(/terraform_9\.9\.9_SHA256SUMS failed: HTTP 404/),
      },
    });
  });

  it('uses the binary on PATH when nothing is pinned', async () => {
    await writeFile(path.join(binDir, 'terraform'), standInScript('terraform', '1.5.7'), { mode: 0o755 });
    const res = await resolver().resolve(request());
    expect(res.ok && res.tool.main).toEqual({
      name: 'terraform',
      version: '1.5.7',
      source: 'PATH',
      path: path.join(binDir, 'terraform'),
    });
    expect(mirror.requests).toEqual([]);
  });

  it('uses the configured default, else the latest release', async () => {
    const withDefault = await resolver({ defaultVersions: { terraform: '1.41.0' } }).resolve(request());
    expect(withDefault.ok && withDefault.tool.main).toMatchObject({ version: '1.41.0', source: 'default' });
    const latest = await resolver().resolve(request());
    expect(latest.ok && latest.tool.main).toMatchObject({ version: '1.42.0', source: 'latest' });
  });

  it('falls back to cached versions when the index is unreachable', async () => {
    await put({ 'stacks/app/main.tf': 'terraform {\n  required_version = "~> 1.41.0"\n}\n' });
    expect((await resolver().resolve(request())).ok).toBe(true);
    await mirror.close();
    const res = await resolver({ mirrors: { terraform: 'http://127.0.0.1:9/none' } }).resolve(request());
    expect(res.ok && res.tool.main).toMatchObject({ version: '1.41.0', source: 'required_version' });
  });

  it('with installs disabled only serves cached versions', async () => {
    await put({ '.terraform-version': '1.42.0' });
    const res = await resolver({ install: false }).resolve(request());
    expect(res).toEqual({
      ok: false,
      error: { kind: 'download_error', message: expect.stringContaining('installs are disabled') },
    });
    expect(mirror.requests).toEqual([]);
  });
});

/** A stand-in tfswitch/tgswitch: checks its arguments, logs them, "installs" by copying a file. */
async function fakeSwitcher(name: 'tfswitch' | 'tgswitch', fail = false): Promise<string> {
  const log = path.join(base, `${name}.log`);
  const payloads = path.join(base, 'payloads');
  await mkdir(payloads, { recursive: true });
  await writeFile(path.join(payloads, 'terraform-1.42.0'), standInScript('terraform', '1.42.0'), {
    mode: 0o755,
  });
  await writeFile(path.join(payloads, 'terragrunt-0.77.0'), standInScript('terragrunt', '0.77.0'), {
    mode: 0o755,
  });
  const product = name === 'tfswitch' ? 'terraform' : 'terragrunt';
  const script = `#!/bin/sh
printf '%s\\n' "$@" > '${log}'
${fail ? 'echo "network down" >&2; exit 1' : ''}
bin=""; install=""; prev=""; version=""
for a in "$@"; do
  [ "$prev" = "--bin" ] && bin="$a"
  [ "$prev" = "--install" ] && install="$a"
  prev="$a"; version="$a"
done
[ -n "$bin" ] || { echo "missing --bin" >&2; exit 2; }
${name === 'tfswitch' ? '[ -n "$install" ] || { echo "missing --install" >&2; exit 2; }' : ''}
store="\${install:-$HOME}/.${product}.versions"
mkdir -p "$store" && cp '${payloads}'/${product}-"$version" "$store/${product}_$version" || exit 3
ln -sf "$store/${product}_$version" "$bin"
`;
  await writeFile(path.join(binDir, name), script);
  await chmod(path.join(binDir, name), 0o755);
  return log;
}

describe('switcher installs into the same cache', () => {
  it('runs tfswitch with the install dir, bin target, product and version', async () => {
    const log = await fakeSwitcher('tfswitch');
    await put({ '.terraform-version': '1.42.0' });
    const res = await resolver({ useSwitchers: true }).resolve(request());
    if (!res.ok) throw new Error(res.error.message);
    expect(res.tool.main.path).toBe(path.join(cacheDir, 'terraform', 'versions', '1.42.0', 'terraform'));
    expect(await reportedVersion(res.tool.main.path)).toBe('1.42.0');
    const args = (await readFile(log, 'utf8')).trim().split('\n');
    expect(args).toEqual([
      '--install',
      path.join(cacheDir, 'terraform', 'switcher'),
      '--bin',
      expect.stringMatching(/\/terraform\/versions\/\.tmp-1\.42\.0_\w+\/switched\/terraform$/),
      '--product',
      'terraform',
      '--mirror',
      `${mirror.bases.terraform}/terraform`,
      '1.42.0',
    ]);
    expect(mirror.archiveDownloads()).toBe(0);
  });

  it('runs tgswitch for terragrunt', async () => {
    const log = await fakeSwitcher('tgswitch');
    await put({
      '.terragrunt-version': '0.77.0',
      '.terraform-version': '1.42.0',
      'stacks/app/terragrunt.hcl': '',
    });
    const res = await resolver({ useSwitchers: true }).resolve(request('terragrunt', 'terraform'));
    if (!res.ok) throw new Error(res.error.message);
    expect(await reportedVersion(res.tool.main.path, 'terragrunt')).toBe('terragrunt version v0.77.0');
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      '--bin',
      expect.stringMatching(/switched\/terragrunt$/),
      '0.77.0',
    ]);
    // No tfswitch on PATH: terraform came from the native installer.
    expect(mirror.archiveDownloads()).toBe(1);
  });

  it('falls back to the native installer when the switcher fails', async () => {
    const log = await fakeSwitcher('tfswitch', true);
    await put({ '.terraform-version': '1.42.0' });
    const res = await resolver({ useSwitchers: true }).resolve(request());
    expect(res.ok && res.tool.main.version).toBe('1.42.0');
    expect(await readFile(log, 'utf8')).toContain('1.42.0');
    expect(mirror.archiveDownloads()).toBe(1);
  });
});
