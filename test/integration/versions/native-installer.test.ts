import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinaryCache, type InstallOutcome } from '../../../src/adapters/versions/binary-cache.js';
import { DEFAULT_HTTP, type HttpOptions } from '../../../src/adapters/versions/http-fetch.js';
import { NativeInstaller } from '../../../src/adapters/versions/native-installer.js';
import { currentPlatform, ReleaseIndex } from '../../../src/adapters/versions/release-index.js';
import { type Mirror, startMirror } from './mirror-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const VERSION = '1.42.0';
let mirror: Mirror;
let cacheDir: string;

function makeInstaller(http: Partial<HttpOptions> = {}) {
  const index = new ReleaseIndex({ mirrors: mirror.bases, http: DEFAULT_HTTP, platform: currentPlatform() });
  const cache = new BinaryCache(cacheDir, { pollMs: 20 });
  return {
    cache,
    installer: new NativeInstaller({
      cache,
      layout: (t) => index.layout(t),
      http: { ...DEFAULT_HTTP, ...http },
    }),
  };
}

function finalPath(version = VERSION) {
  return path.join(cacheDir, 'terraform', 'versions', version, 'terraform');
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Starts install-worker.ts in a child process; resolves once it is ready. */
async function startChild(count: number): Promise<{ child: ChildProcess; go(): Promise<InstallOutcome[]> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'install-worker.ts'),
      cacheDir,
      JSON.stringify(mirror.bases),
      'terraform',
      VERSION,
      String(count),
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  expect(first.value).toBe('ready');
  return {
    child,
    async go() {
      child.stdin!.write('go\n');
      const out = await lines.next();
      return JSON.parse(out.value as string) as InstallOutcome[];
    },
  };
}

async function leftovers(): Promise<string[]> {
  const names = await readdir(path.join(cacheDir, 'terraform', 'versions')).catch(() => []);
  return names.filter((n) => n.startsWith('.'));
}

beforeEach(async () => {
  mirror = await startMirror({ terraform: [VERSION, '1.41.0'] });
  cacheDir = await mkdtemp(path.join(tmpdir(), 'driftd-cache-'));
});

afterEach(async () => {
  await mirror.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('NativeInstaller against a local mirror', () => {
  it('installs once for 20 concurrent requests from two processes', async () => {
    mirror.artifactDelayMs = 400;
    const { child, go } = await startChild(10);
    const { installer } = makeInstaller();
    const [theirs, ours] = await Promise.all([
      go(),
      Promise.all(Array.from({ length: 10 }, () => installer.install('terraform', VERSION))),
    ]);
    child.kill();
    const all = [...theirs, ...ours];
    expect(all).toHaveLength(20);
    for (const outcome of all) expect(outcome).toEqual({ ok: true, path: finalPath() });
    expect(mirror.archiveDownloads()).toBe(1);
    const { stdout } = await execa(finalPath(), ['version', '-json']);
    expect(JSON.parse(stdout).terraform_version).toBe(VERSION);
    expect(await leftovers()).toEqual([]);
  });

  it('rejects a tampered archive and leaves nothing at the final path', async () => {
    const zipPath = [...mirror.files.keys()].find((p) => p.includes(VERSION) && p.endsWith('.zip'))!;
    const tampered = Uint8Array.from(mirror.files.get(zipPath)!);
    const at = tampered.length - 30;
    tampered[at] = (tampered[at] ?? 0) ^ 0xff;
    mirror.files.set(zipPath, tampered);
    const out = await makeInstaller().installer.install('terraform', VERSION);
    expect(out.ok).toBe(false);
    const message = (out as { message: string }).message;
    expect(message).toMatch(/checksum mismatch for terraform_1\.42\.0_\w+_\w+\.zip/);
    expect(message).toContain(`terraform_${VERSION}_SHA256SUMS says `);
    expect(message.match(/[0-9a-f]{64}/g)).toHaveLength(2);
    expect(await exists(finalPath())).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('fails clearly when SHA256SUMS has no line for the archive', async () => {
    const sumsPath = [...mirror.files.keys()].find((p) => p.endsWith(`${VERSION}_SHA256SUMS`))!;
    mirror.files.set(sumsPath, new TextEncoder().encode(`${'a'.repeat(64)}  something_else.zip\n`));
    const out = await makeInstaller().installer.install('terraform', VERSION);
    expect(out).toEqual({
      ok: false,
      message: expect.stringMatching(/SHA256SUMS has no checksum line for terraform_1\.42\.0_/),
    });
    expect(mirror.archiveDownloads()).toBe(0);
    expect(await exists(finalPath())).toBe(false);
  });

  it('gives up on a stalled download and the next install succeeds', async () => {
    mirror.stall = true;
    const stalled = mirror.stalled();
    const { installer } = makeInstaller({ idleTimeoutMs: 300 });
    const first = installer.install('terraform', VERSION);
    await stalled;
    expect(await first).toEqual({ ok: false, message: expect.stringContaining('stalled for 300 ms') });
    expect(await exists(finalPath())).toBe(false);
    mirror.stall = false;
    expect(await installer.install('terraform', VERSION)).toEqual({ ok: true, path: finalPath() });
    expect(mirror.archiveDownloads()).toBe(2);
  });

  it('stops on AbortSignal, and a later install succeeds', async () => {
    mirror.stall = true;
    const stalled = mirror.stalled();
    const { installer } = makeInstaller();
    const controller = new AbortController();
    const first = installer.install('terraform', VERSION, controller.signal);
    await stalled;
    controller.abort();
    expect(await first).toEqual({ ok: false, message: `install of terraform ${VERSION} aborted` });
    mirror.stall = false;
    expect(await installer.install('terraform', VERSION)).toEqual({ ok: true, path: finalPath() });
    expect(await leftovers()).toEqual([]);
  });

  it('recovers after the installing process is killed mid-download (stale lock, temp dir)', async () => {
    mirror.stall = true;
    const stalled = mirror.stalled();
    const { child, go } = await startChild(1);
    void go().catch(() => {});
    await stalled;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await leftovers()).some((n) => n.endsWith('.lock'))).toBe(true);
    expect(await exists(finalPath())).toBe(false);
    mirror.stall = false;
    const started = Date.now();
    expect(await makeInstaller().installer.install('terraform', VERSION)).toEqual({
      ok: true,
      path: finalPath(),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await leftovers()).toEqual([]);
  });

  it('breaks a lock whose holder stopped touching it (other host, old mtime)', async () => {
    const dir = path.join(cacheDir, 'terraform', 'versions');
    await mkdir(dir, { recursive: true });
    const lock = path.join(dir, `.${VERSION}.lock`);
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'another-worker', token: 't' }));
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lock, old, old);
    expect(await makeInstaller().installer.install('terraform', VERSION)).toEqual({
      ok: true,
      path: finalPath(),
    });
    expect(await leftovers()).toEqual([]);
  });

  it('waits for a live holder and takes its result without downloading', async () => {
    const dir = path.join(cacheDir, 'terraform', 'versions');
    await mkdir(path.join(dir, VERSION), { recursive: true });
    await writeFile(
      path.join(dir, `.${VERSION}.lock`),
      JSON.stringify({ pid: process.pid, host: hostname(), token: 't' }),
    );
    const pending = makeInstaller().installer.install('terraform', VERSION);
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(finalPath(), '#!/bin/sh\n', { mode: 0o755 });
    expect(await pending).toEqual({ ok: true, path: finalPath() });
    expect(mirror.requests).toEqual([]);
  });

  it('keeps a shared install going when only one of its waiters aborts', async () => {
    mirror.artifactDelayMs = 300;
    const { installer } = makeInstaller();
    const controller = new AbortController();
    const quitter = installer.install('terraform', VERSION, controller.signal);
    const stayer = installer.install('terraform', VERSION);
    controller.abort();
    expect(await quitter).toEqual({ ok: false, message: `install of terraform ${VERSION} aborted` });
    expect(await stayer).toEqual({ ok: true, path: finalPath() });
    expect(mirror.archiveDownloads()).toBe(1);
  });

  it('makes no request when the version is cached', async () => {
    const { installer, cache } = makeInstaller();
    await installer.install('terraform', '1.41.0');
    mirror.requests.length = 0;
    expect(await installer.install('terraform', '1.41.0')).toEqual({ ok: true, path: finalPath('1.41.0') });
    expect(await cache.listInstalled('terraform')).toEqual(['1.41.0']);
    expect(mirror.requests).toEqual([]);
  });
});
