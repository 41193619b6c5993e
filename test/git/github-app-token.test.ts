import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FetchFn,
  type GithubAppAuth,
  GithubAppTokens,
  makeAppJwt,
} from '../../src/adapters/git/github-app-token.js';
import { isDriftdError } from '../../src/domain/errors.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('makeAppJwt', () => {
  it('is an RS256 JWT with iat -60s, exp +9min, iss the app id, verifiable with the public key', () => {
    const now = 1_700_000_000_500;
    const jwt = makeAppJwt(4242, PEM, now);
    const [h, p, s] = jwt.split('.');
    expect(decode(h!)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(decode(p!)).toEqual({ iat: 1_700_000_000 - 60, exp: 1_700_000_000 + 540, iss: '4242' });
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${h}.${p}`);
    expect(verifier.verify(publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const v2 = createVerify('RSA-SHA256');
    v2.update(`${h}.${p}`);
    expect(v2.verify(other, Buffer.from(s!, 'base64url'))).toBe(false);
  });
});

describe('GithubAppTokens', () => {
  let dir: string;
  let auth: GithubAppAuth;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-app-'));
    await writeFile(join(dir, 'app.pem'), PEM);
    auth = {
      type: 'github_app',
      appId: 7,
      installationId: 99,
      privateKeyPath: join(dir, 'app.pem'),
      apiUrl: 'https://ghe.example/api/v3/',
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A hand-written fake of the token endpoint: records calls, issues tokens valid for one hour. */
  function fakeGithub(clock: { t: number }, status = 201) {
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const fetchFn: FetchFn = async (input, init) => {
      calls.push({ url: String(input), headers: init?.headers as Record<string, string> });
      const body =
        status === 201
          ? {
              token: `ghs_token${calls.length}xxxxxxxxxxxxxxxx`,
              expires_at: new Date(clock.t + 3_600_000).toISOString(),
            }
          : { message: 'Bad credentials' };
      return new Response(JSON.stringify(body), { status });
    };
    return { calls, fetchFn };
  }

  it('posts the JWT to the installation endpoint and caches the token until 5 minutes before expiry', async () => {
    const clock = { t: Date.parse('2030-01-01T00:00:00Z') };
    const gh = fakeGithub(clock);
    const tokens = new GithubAppTokens({ clock: { now: () => clock.t }, fetch: gh.fetchFn });
    expect(await tokens.token(auth, 'infra')).toBe('ghs_token1xxxxxxxxxxxxxxxx');
    expect(gh.calls[0]!.url).toBe('https://ghe.example/api/v3/app/installations/99/access_tokens');
    expect(gh.calls[0]!.headers.Accept).toBe('application/vnd.github+json');
    expect(gh.calls[0]!.headers.Authorization).toMatch(/^Bearer ey/);
    clock.t += 54 * 60_000;
    expect(await tokens.token(auth, 'infra')).toBe('ghs_token1xxxxxxxxxxxxxxxx');
    clock.t += 2 * 60_000;
    expect(await tokens.token(auth, 'infra')).toBe('ghs_token2xxxxxxxxxxxxxxxx');
    expect(tokens.exchanges).toBe(2);
  });

  it('shares one exchange between concurrent callers', async () => {
    const clock = { t: Date.now() };
    const gh = fakeGithub(clock);
    const tokens = new GithubAppTokens({ clock: { now: () => clock.t }, fetch: gh.fetchFn });
    await Promise.all([1, 2, 3].map(() => tokens.token(auth, 'infra')));
    expect(gh.calls).toHaveLength(1);
  });

  it('fails with DRIFTD_REPO_FETCH_FAILED naming the repo, without the JWT', async () => {
    const clock = { t: Date.now() };
    const tokens = new GithubAppTokens({
      clock: { now: () => clock.t },
      fetch: fakeGithub(clock, 401).fetchFn,
    });
    const err = await tokens.token(auth, 'infra').catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(
      /repo "infra": GitHub App token exchange failed: HTTP 401: Bad credentials/,
    );
    expect((err as Error).message).not.toMatch(/eyJ/);
    const missing = new GithubAppTokens({ clock: { now: () => clock.t }, fetch: fakeGithub(clock).fetchFn });
    const err2 = await missing
      .token({ ...auth, privateKeyPath: join(dir, 'nope.pem') }, 'infra')
      .catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/cannot read the private key/);
  });
});
