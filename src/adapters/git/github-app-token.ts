import { createSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DriftdError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { GitAuth } from '../../ports/repo-source.port.js';
import { redactGitText } from './redact-git.js';

export type GithubAppAuth = Extract<GitAuth, { type: 'github_app' }>;
export type FetchFn = typeof fetch;

/** Tokens are reused until this long before GitHub says they expire. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * A GitHub App JWT (RS256): `iat` 60 s in the past for clock skew, `exp` 9 minutes ahead (GitHub's
 * maximum is 10), `iss` the app id.
 */
export function makeAppJwt(appId: number, privateKeyPem: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: now - 60, exp: now + 9 * 60, iss: String(appId) }));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(privateKeyPem).toString('base64url')}`;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Exchanges a GitHub App's JWT for installation tokens and caches each until shortly before it expires.
 * Concurrent callers for one installation share one request.
 */
export class GithubAppTokens {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Token exchanges made (for tests and metrics). */
  exchanges = 0;

  constructor(private readonly deps: { clock: Clock; fetch: FetchFn }) {}

  async token(auth: GithubAppAuth, repoName: string): Promise<string> {
    const key = `${auth.apiUrl}|${auth.appId}|${auth.installationId}`;
    const cached = this.cache.get(key);
    if (cached && this.deps.clock.now() < cached.expiresAt - TOKEN_REFRESH_MARGIN_MS) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.exchange(auth, repoName).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const fresh = await pending;
    this.cache.set(key, fresh);
    return fresh.token;
  }

  /** Drops the cached token (git was refused with it: revoked, or the app lost access). */
  invalidate(auth: GithubAppAuth): void {
    this.cache.delete(`${auth.apiUrl}|${auth.appId}|${auth.installationId}`);
  }

  private async exchange(auth: GithubAppAuth, repoName: string): Promise<CachedToken> {
    const fail = (why: string): DriftdError =>
      new DriftdError(
        'DRIFTD_REPO_FETCH_FAILED',
        `repo "${repoName}": GitHub App token exchange failed: ${why}`,
        {
          details: { repo: repoName, appId: auth.appId, installationId: auth.installationId },
        },
      );
    let key: string;
    try {
      key = await readFile(auth.privateKeyPath, 'utf8');
    } catch {
      throw fail(`cannot read the private key at ${auth.privateKeyPath}`);
    }
    let jwt: string;
    try {
      jwt = makeAppJwt(auth.appId, key, this.deps.clock.now());
    } catch {
      throw fail(`the private key at ${auth.privateKeyPath} is not a valid RSA key`);
    }
    const url = `${auth.apiUrl.replace(/\/+$/, '')}/app/installations/${auth.installationId}/access_tokens`;
    this.exchanges += 1;
    let res: Response;
    try {
      res = await this.deps.fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${jwt}`,
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
          'User-Agent': 'driftd',
        },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw fail(redactGitText(`cannot reach ${url}: ${(e as Error).message}`, [jwt]));
    }
    return parseTokenResponse(res, jwt, fail);
  }
}

async function parseTokenResponse(
  res: Response,
  jwt: string,
  fail: (why: string) => DriftdError,
): Promise<CachedToken> {
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const message = safeJson(text)?.message;
    const why = typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
    throw fail(redactGitText(`HTTP ${res.status}${why}`, [jwt]));
  }
  const body = safeJson(text);
  const expiresAt = typeof body?.expires_at === 'string' ? Date.parse(body.expires_at) : Number.NaN;
  if (typeof body?.token !== 'string' || body.token === '' || Number.isNaN(expiresAt)) {
    throw fail('the response has no token or expires_at');
  }
  return { token: body.token, expiresAt };
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
