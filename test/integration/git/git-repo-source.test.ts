import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GitRepoSource } from '../../../src/adapters/git/git-repo-source.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import type { RepoName, TaskId } from '../../../src/domain/ids.js';
import type { RepoSpec } from '../../../src/ports/repo-source.port.js';
import { commit, git, makeBare, makeRepo, pushTo, tempDir, writeFiles } from './git-fixtures.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function track(p: Promise<string>): Promise<string> {
  const dir = await p;
  cleanup.push(dir);
  return dir;
}

function spec(url: string, extra: Partial<RepoSpec> = {}): RepoSpec {
  return { name: 'infra' as RepoName, url, auth: { type: 'none' }, ignorePaths: [], ...extra };
}

async function newSource(cacheDir?: string): Promise<GitRepoSource> {
  return new GitRepoSource({ cacheDir: cacheDir ?? (await track(tempDir('cache'))) });
}

const task = (n: number) => `infra:${n}` as TaskId;

async function remote(files: Record<string, string>) {
  const origin = await makeRepo(files);
  cleanup.push(origin.dir);
  return origin;
}

describe('GitRepoSource over file://', () => {
  it('resolves the branch head, following new commits and the default branch', async () => {
    const origin = await remote({ 'main.tf': 'a' });
    const url = pathToFileURL(origin.dir).href;
    const src = await newSource();
    expect(await src.resolveCommit(spec(url))).toBe(origin.head);
    const second = await commit(origin.dir, { 'main.tf': 'b' });
    expect(await src.resolveCommit(spec(url))).toBe(second);

    git(origin.dir, 'checkout', '-q', '-b', 'dev');
    const onDev = await commit(origin.dir, { 'dev.tf': 'd' });
    expect(await src.resolveCommit(spec(url, { branch: 'main' }))).toBe(second);
    expect(await src.resolveCommit(spec(url, { branch: 'dev' }))).toBe(onDev);
    // The remote's default branch is its HEAD, which is now dev.
    expect(await src.resolveCommit(spec(url))).toBe(onDev);
    // A plain path to a git repo works like its file:// URL.
    expect(await src.resolveCommit(spec(origin.dir, { branch: 'main' }))).toBe(second);

    const err = await src.resolveCommit(spec(url, { branch: 'nope' })).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('branch "nope" does not exist');
  });

  it('checks out the pinned commit even after the branch moves, and removes the work dir on dispose', async () => {
    const origin = await remote({ 'main.tf': 'v1', 'envs/prod/main.tf': 'p1' });
    const url = pathToFileURL(origin.dir).href;
    const src = await newSource();
    const pinned = await src.resolveCommit(spec(url));
    await commit(origin.dir, { 'main.tf': 'v2' });
    await src.resolveCommit(spec(url));

    const co = await src.checkout(spec(url), pinned, task(1), 'infra:envs/prod:1');
    expect(co.commit).toBe(pinned);
    expect(await readFile(join(co.root, 'main.tf'), 'utf8')).toBe('v1');
    expect(await readFile(join(co.root, 'envs/prod/main.tf'), 'utf8')).toBe('p1');
    expect(co.root.startsWith(join((src as unknown as { cacheDir: string }).cacheDir, 'work'))).toBe(true);
    expect(co.root).toMatch(/infra_envs_prod_1-[A-Za-z0-9]+$/);
    await co.dispose();
    await co.dispose();
    expect(existsSync(co.root)).toBe(false);
    expect(existsSync(`${co.root}.index`)).toBe(false);
  });

  it('fetches once for concurrent checkouts of a task, and not at all for a commit it has', async () => {
    const origin = await remote({ 'a/main.tf': 'a', 'b/main.tf': 'b' });
    const url = pathToFileURL(origin.dir).href;
    const serve = await newSource();
    const c1 = await serve.resolveCommit(spec(url));
    const worker = await newSource();
    const checkouts = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((k) => worker.checkout(spec(url), c1, task(1), `job-${k}`)),
    );
    expect(worker.stats.fetches).toBe(1);
    expect(new Set(checkouts.map((c) => c.root)).size).toBe(5);
    for (const co of checkouts) expect(await readFile(join(co.root, 'a/main.tf'), 'utf8')).toBe('a');
    await Promise.all(checkouts.map((c) => c.dispose()));

    const again = await worker.checkout(spec(url), c1, task(2), 'job-x');
    expect(worker.stats.fetches).toBe(1);
    await again.dispose();

    const c2 = await commit(origin.dir, { 'a/main.tf': 'a2' });
    const third = await Promise.all([1, 2].map((k) => worker.checkout(spec(url), c2, task(3), `job-${k}`)));
    expect(worker.stats.fetches).toBe(2);
    expect(await readFile(join(third[0]!.root, 'a/main.tf'), 'utf8')).toBe('a2');
    await Promise.all(third.map((c) => c.dispose()));
  });

  it('shares one fetch between instances using the same cache dir (the lock file)', async () => {
    const origin = await remote({ 'main.tf': 'x' });
    const url = pathToFileURL(origin.dir).href;
    const cacheDir = await track(tempDir('shared-cache'));
    const [w1, w2] = [await newSource(cacheDir), await newSource(cacheDir)];
    const cos = await Promise.all([
      w1.checkout(spec(url), origin.head, task(1), 'j1'),
      w2.checkout(spec(url), origin.head, task(1), 'j2'),
      w1.checkout(spec(url), origin.head, task(1), 'j3'),
      w2.checkout(spec(url), origin.head, task(1), 'j4'),
    ]);
    expect(w1.stats.fetches + w2.stats.fetches).toBe(1);
    await Promise.all(cos.map((c) => c.dispose()));
    expect(await readdir(join(cacheDir, 'locks'))).toEqual([]);
  });

  it('fetches a pinned commit the branch no longer contains (force-push)', async () => {
    const origin = await remote({ 'main.tf': 'old' });
    const bareRoot = await track(tempDir('bare'));
    const bare = makeBare(bareRoot, 'infra', origin.dir);
    const url = pathToFileURL(bare).href;
    const pinned = await commit(origin.dir, { 'main.tf': 'pinned' });
    pushTo(origin.dir, bare);
    git(origin.dir, 'reset', '-q', '--hard', 'HEAD~1');
    await commit(origin.dir, { 'main.tf': 'rewritten' });
    pushTo(origin.dir, bare);
    const worker = await newSource();
    const co = await worker.checkout(spec(url), pinned, task(1), 'j');
    expect(await readFile(join(co.root, 'main.tf'), 'utf8')).toBe('pinned');
    await co.dispose();
    const missing = await worker.checkout(spec(url), 'f'.repeat(40), task(2), 'j').catch((e: unknown) => e);
    expect(isDriftdError(missing, 'DRIFTD_REPO_NOT_FOUND')).toBe(true);
    expect((missing as Error).message).toContain(`commit ${'f'.repeat(40)} does not exist`);
  });

  it('discovers stacks at the pinned commit from the mirror', async () => {
    const origin = await remote({
      'main.tf': '',
      'envs/prod/main.tf': '',
      'modules/vpc/main.tf': '',
      'live/terragrunt.hcl': 'remote_state {\n backend = "local"\n}\n',
      'live/app/terragrunt.hcl': 'terraform {\n source = "../../modules/vpc"\n}\n',
      'legacy/main.tf': '',
    });
    const url = pathToFileURL(origin.dir).href;
    const src = await newSource();
    const c1 = await src.resolveCommit(spec(url));
    await commit(origin.dir, { 'envs/dev/main.tf': '' });
    await src.resolveCommit(spec(url));
    expect(await src.discoverStacks(spec(url, { ignorePaths: ['legacy'] }), c1)).toEqual([
      '.',
      'envs/prod',
      'live/app',
    ]);
    // A worker that never fetched discovers too (it fetches the commit first).
    expect(await (await newSource()).discoverStacks(spec(url), c1)).toContain('legacy');
  });

  it('refuses dangerous URLs before running git', async () => {
    const src = await newSource();
    const marker = join(await track(tempDir('pwn')), 'pwned');
    for (const url of [
      `ext::sh -c touch% ${marker}`,
      '--upload-pack=touch /tmp/driftd-pwned',
      '-oProxyCommand=x:y',
    ]) {
      const err = await src.resolveCommit(spec(url)).catch((e: unknown) => e);
      expect(isDriftdError(err, 'DRIFTD_CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/^repo "infra": url /);
    }
    expect(existsSync(marker)).toBe(false);
    const missing = await src.resolveCommit(spec('/definitely/not/here')).catch((e: unknown) => e);
    expect(isDriftdError(missing, 'DRIFTD_REPO_NOT_FOUND')).toBe(true);
  });

  it('says so when git cannot be run', async () => {
    const origin = await remote({ 'main.tf': 'x' });
    const src = new GitRepoSource({ cacheDir: await track(tempDir('nogit')), env: { PATH: '/nonexistent' } });
    const err = await src.resolveCommit(spec(pathToFileURL(origin.dir).href)).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(
      /^git init failed for repo "infra": could not run git \(ENOENT\)$/,
    );
  });

  it('reports a missing remote repository as not found, naming the repo', async () => {
    const dir = await track(tempDir('broken'));
    await mkdir(join(dir, '.git'));
    const err = await (await newSource()).resolveCommit(spec(`file://${dir}`)).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(
      /^git fetch failed for repo "infra": .*does not appear to be a git repository/,
    );
  });
});

describe('GitRepoSource over a local directory that is not a git repository', () => {
  it('fingerprints, discovers and copies it without ever modifying it', async () => {
    const dir = await track(tempDir('plain'));
    await writeFiles(dir, {
      'main.tf': 'root',
      'envs/prod/main.tf': 'prod',
      'modules/x/main.tf': 'mod',
      '.terraform/providers/p': 'big',
      'envs/prod/.terraform/x.tf': 'cache',
    });
    const src = await newSource();
    const before = await snapshot(dir);
    const fp = await src.resolveCommit(spec(dir));
    expect(fp).toMatch(/^local-[0-9a-f]{64}$/);
    expect(await src.resolveCommit(spec(dir))).toBe(fp);
    expect(await src.discoverStacks(spec(dir), fp)).toEqual(['.', 'envs/prod']);

    const co = await src.checkout(spec(dir), fp, task(1), 'job');
    expect(co.commit).toBe(fp);
    expect(await readFile(join(co.root, 'envs/prod/main.tf'), 'utf8')).toBe('prod');
    expect(existsSync(join(co.root, '.terraform'))).toBe(false);
    await writeFile(join(co.root, 'main.tf'), 'changed in the work dir');
    await writeFile(join(co.root, 'plan.out'), 'x');
    await co.dispose();
    expect(await snapshot(dir)).toEqual(before);

    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(dir, 'envs/prod/extra.tf'), 'more');
    expect(await src.resolveCommit(spec(dir))).not.toBe(fp);
  });

  it('does not copy a cache dir that lives inside the directory', async () => {
    const dir = await track(tempDir('plain-cache'));
    await writeFiles(dir, { 'main.tf': 'x' });
    const src = new GitRepoSource({ cacheDir: join(dir, 'cache') });
    const fp = await src.resolveCommit(spec(dir));
    const co = await src.checkout(spec(dir), fp, task(1), 'job');
    expect((await readdir(co.root)).sort()).toEqual(['.git', 'main.tf']);
    expect(await src.resolveCommit(spec(dir))).toBe(fp);
    await co.dispose();
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const abs = join(entry.parentPath, entry.name);
    if (entry.isFile()) out[abs] = `${await readFile(abs, 'utf8')}@${(await stat(abs)).mtimeMs}`;
    else out[abs] = 'dir';
  }
  return out;
}

describe('GitRepoSource with ssh auth (no sshd here: checks what is run)', () => {
  it('runs ssh with host key checking and the configured key, and reports its failure', async () => {
    const keyDir = await track(tempDir('ssh'));
    const key = join(keyDir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const knownHosts = join(keyDir, 'known_hosts');
    await writeFile(knownHosts, '');
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const cacheDir = await track(tempDir('ssh-cache'));
      const trace = join(cacheDir, 'trace.log');
      const src = new GitRepoSource({ cacheDir, env: { ...process.env, GIT_TRACE: trace } });
      const repo = spec(`ssh://git@127.0.0.1:${port}/infra.git`, {
        auth: { type: 'ssh', sshKeyPath: key, knownHostsPath: knownHosts },
      });
      const err = await src.resolveCommit(repo).catch((e: unknown) => e);
      expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
      expect((err as Error).message).toMatch(/^git fetch failed for repo "infra": /);
      const traced = await readFile(trace, 'utf8');
      expect(traced).toContain(`ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`);
      expect(traced).toContain(`-o UserKnownHostsFile=${knownHosts} -i ${key}`);
      const bad = await src
        .resolveCommit(spec(repo.url, { auth: { type: 'ssh', sshKeyPath: `${key} -oProxyCommand=touch` } }))
        .catch((e: unknown) => e);
      expect(isDriftdError(bad, 'DRIFTD_CONFIG_INVALID')).toBe(true);
    } finally {
      server.close();
    }
  });
});
