import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepoSource } from '../../../src/adapters/git/git-repo-source.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import type { RepoName, TaskId } from '../../../src/domain/ids.js';
import type { GitAuth, RepoSpec } from '../../../src/ports/repo-source.port.js';
import { makeBare, makeRepo, tempDir } from './git-fixtures.js';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.js';

const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const cleanup: string[] = [];
let projectRoot: string;
let head: string;

beforeAll(async () => {
  const origin = await makeRepo({ 'main.tf': 'over http', 'envs/prod/main.tf': 'prod' });
  projectRoot = await tempDir('http-root');
  cleanup.push(origin.dir, projectRoot);
  makeBare(projectRoot, 'infra', origin.dir);
  head = origin.head;
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

function spec(url: string, auth: GitAuth): RepoSpec {
  return { name: 'infra' as RepoName, url, auth, ignorePaths: [] };
}

/** Command lines of every process, sampled while `work` runs: the token must never be in one. */
async function watchProcesses<T>(work: Promise<T>): Promise<{ result: T; cmdlines: Set<string> }> {
  const cmdlines = new Set<string>();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          cmdlines.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
        } catch {
          // The process ended between listing and reading.
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  try {
    return { result: await work, cmdlines };
  } finally {
    done = true;
    await sampler;
  }
}

describe('https token auth against git http-backend', () => {
  let server: GitHttpServer;
  beforeAll(async () => {
    server = await startGitHttpServer({ projectRoot, authorize: (u, p) => u === 'driftd' && p === TOKEN });
  });
  afterAll(() => server.close());

  it('fetches with the token from the env var, which never reaches argv or git traces', async () => {
    const cacheDir = await tempDir('http-cache');
    cleanup.push(cacheDir);
    const trace = join(cacheDir, 'trace.log');
    const src = new GitRepoSource({ cacheDir, env: { ...process.env, REPO_TOKEN: TOKEN, GIT_TRACE: trace } });
    const repo = spec(`${server.baseUrl}/infra.git`, {
      type: 'https',
      tokenEnv: 'REPO_TOKEN',
      username: 'driftd',
    });
    const { result, cmdlines } = await watchProcesses(
      (async () => {
        const commit = await src.resolveCommit(repo);
        const co = await src.checkout(repo, commit, 'infra:1' as TaskId, 'job');
        const content = await readFile(join(co.root, 'main.tf'), 'utf8');
        await co.dispose();
        return { commit, content };
      })(),
    );
    expect(result).toEqual({ commit: head, content: 'over http' });
    expect(server.gitRequests).toBeGreaterThan(0);
    expect(cmdlines.size).toBeGreaterThan(0);
    expect([...cmdlines].some((c) => c.includes('fetch'))).toBe(true);
    expect([...cmdlines].filter((c) => c.includes(TOKEN))).toEqual([]);
    const traced = await readFile(trace, 'utf8');
    expect(traced).toContain('git-remote-http');
    expect(traced).not.toContain(TOKEN);
    const mirrorConfig = await readFile(join(cacheDir, 'mirrors', 'infra.git', 'config'), 'utf8');
    expect(mirrorConfig).not.toContain(TOKEN);
  });

  it('fails with DRIFTD_REPO_FETCH_FAILED on a wrong or missing token, never echoing it', async () => {
    const cacheDir = await tempDir('http-cache');
    cleanup.push(cacheDir);
    const wrong = `ghp_${randomBytes(18).toString('hex')}`;
    const src = new GitRepoSource({ cacheDir, env: { ...process.env, REPO_TOKEN: wrong } });
    const auth: GitAuth = { type: 'https', tokenEnv: 'REPO_TOKEN', username: 'driftd' };
    const err = await src.resolveCommit(spec(`${server.baseUrl}/infra.git`, auth)).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/^git fetch failed for repo "infra": .*Authentication failed/);
    expect(message).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
    expect(String((err as Error).stack)).not.toContain(wrong);

    const unset = new GitRepoSource({ cacheDir, env: { PATH: process.env.PATH } });
    const err2 = await unset
      .resolveCommit(spec(`${server.baseUrl}/infra.git`, auth))
      .catch((e: unknown) => e);
    expect(isDriftdError(err2, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err2 as Error).message).toContain('REPO_TOKEN');
  });

  it('takes credentials out of a URL with user:token@ and keeps them out of errors', async () => {
    const cacheDir = await tempDir('http-cache');
    cleanup.push(cacheDir);
    const src = new GitRepoSource({ cacheDir, env: process.env });
    const base = new URL(server.baseUrl);
    const good = `http://driftd:${TOKEN}@${base.host}/infra.git`;
    expect(await src.resolveCommit(spec(good, { type: 'none' }))).toBe(head);
    expect(await readFile(join(cacheDir, 'mirrors', 'infra.git', 'config'), 'utf8')).not.toContain(TOKEN);
    const bad = `http://driftd:${TOKEN}x@${base.host}/infra.git`;
    const err = await src.resolveCommit(spec(bad, { type: 'none' })).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).not.toContain(TOKEN);
  });

  it('reports a repository the server does not have as not found', async () => {
    const cacheDir = await tempDir('http-cache');
    cleanup.push(cacheDir);
    const src = new GitRepoSource({ cacheDir, env: { ...process.env, REPO_TOKEN: TOKEN } });
    const auth: GitAuth = { type: 'https', tokenEnv: 'REPO_TOKEN', username: 'driftd' };
    const err = await src.resolveCommit(spec(`${server.baseUrl}/missing.git`, auth)).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_NOT_FOUND')).toBe(true);
  });
});

describe('GitHub App auth against a fake GitHub', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Tokens the fake accepts; its clock is the test's, so expiry can be simulated. */
  const issued = new Set<string>();
  const clock = { t: Date.now() };
  let exchanges = 0;
  let server: GitHttpServer;
  let keyPath: string;

  /** `POST /api/v3/app/installations/55/access_tokens`: checks the RS256 JWT, issues a 1-hour token. */
  function tokenEndpoint(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || req.url !== '/api/v3/app/installations/55/access_tokens') return false;
    exchanges += 1;
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const [h, p, s] = jwt.split('.');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${h}.${p}`);
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString() || '{}') as Record<
      string,
      number | string
    >;
    const valid =
      s !== undefined &&
      verifier.verify(publicKey, Buffer.from(s, 'base64url')) &&
      claims.iss === '1234' &&
      Number(claims.exp) - Number(claims.iat) <= 600 &&
      req.headers.accept === 'application/vnd.github+json';
    if (!valid) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"message":"A JSON web token could not be decoded"}');
      return true;
    }
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    issued.add(token);
    const body = { token, expires_at: new Date(clock.t + 3_600_000).toISOString() };
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  }

  beforeAll(async () => {
    const dir = await tempDir('app-key');
    cleanup.push(dir);
    keyPath = join(dir, 'app.pem');
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    server = await startGitHttpServer({
      projectRoot,
      authorize: (u, p) => u === 'x-access-token' && issued.has(p),
      extra: tokenEndpoint,
    });
  });
  afterAll(() => server.close());

  it('exchanges a JWT for an installation token, caches it, and renews it near expiry', async () => {
    const cacheDir = await tempDir('app-cache');
    cleanup.push(cacheDir);
    const src = new GitRepoSource({ cacheDir, clock: { now: () => clock.t }, env: process.env });
    const auth: GitAuth = {
      type: 'github_app',
      appId: 1234,
      installationId: 55,
      privateKeyPath: keyPath,
      apiUrl: `${server.baseUrl}/api/v3`,
    };
    const repo = spec(`${server.baseUrl}/infra.git`, auth);
    const commit = await src.resolveCommit(repo);
    expect(commit).toBe(head);
    expect(exchanges).toBe(1);
    const co = await src.checkout(repo, commit, 'infra:9' as TaskId, 'j');
    await co.dispose();
    expect(await src.resolveCommit(repo)).toBe(head);
    expect(exchanges).toBe(1);
    expect(src.stats.tokenExchanges).toBe(1);

    clock.t += 54 * 60_000;
    expect(await src.resolveCommit(repo)).toBe(head);
    expect(exchanges).toBe(1);
    clock.t += 2 * 60_000;
    expect(await src.resolveCommit(repo)).toBe(head);
    expect(exchanges).toBe(2);

    // Revoked on the server while still cached: a clear fetch failure without the token, and the
    // cached token is dropped so the next attempt gets a fresh one.
    const revoked = [...issued];
    issued.clear();
    const err = await src.resolveCommit(repo).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    for (const token of revoked) expect((err as Error).message).not.toContain(token);
    expect(await src.resolveCommit(repo)).toBe(head);
    expect(exchanges).toBe(3);
  });

  it('fails clearly when GitHub refuses the JWT', async () => {
    const cacheDir = await tempDir('app-cache');
    cleanup.push(cacheDir);
    const src = new GitRepoSource({ cacheDir, env: process.env });
    const repo = spec(`${server.baseUrl}/infra.git`, {
      type: 'github_app',
      appId: 999,
      installationId: 55,
      privateKeyPath: keyPath,
      apiUrl: `${server.baseUrl}/api/v3`,
    });
    const err = await src.resolveCommit(repo).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toBe(
      'repo "infra": GitHub App token exchange failed: HTTP 401: A JSON web token could not be decoded',
    );
  });
});
