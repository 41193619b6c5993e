import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpApiToken } from '../../../src/adapters/http/auth.js';
import { makeTokenVerifier } from '../../../src/adapters/http/auth.js';
import { makeTestApp, seededFake, type TestApp } from './support.js';

const TOKENS: HttpApiToken[] = [
  { name: 'ci', token: 'ci-secret-token-value', scopes: ['read', 'write'] },
  { name: 'viewer', token: 'viewer-secret-value', scopes: ['read'] },
  { name: 'pusher', token: 'write-only-secret', scopes: ['write'] },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

interface AuthCase {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code?: string;
}

const CASES: readonly AuthCase[] = [
  { name: 'no token', method: 'GET', url: '/api/repos', status: 401, code: 'unauthorized' },
  {
    name: 'unknown token',
    method: 'GET',
    url: '/api/repos',
    headers: bearer('nope'),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'token of another scheme',
    method: 'GET',
    url: '/api/repos',
    headers: { authorization: 'Basic Y2k6Y2ktc2VjcmV0LXRva2VuLXZhbHVl' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'a prefix of a real token',
    method: 'GET',
    url: '/api/repos',
    headers: bearer('ci-secret'),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'read token on GET',
    method: 'GET',
    url: '/api/repos',
    headers: bearer('viewer-secret-value'),
    status: 200,
  },
  {
    name: 'lowercase scheme',
    method: 'GET',
    url: '/api/repos/my-infra/stacks',
    headers: { authorization: 'bearer viewer-secret-value' },
    status: 200,
  },
  {
    name: 'read+write token on GET',
    method: 'GET',
    url: '/api/repos',
    headers: bearer('ci-secret-token-value'),
    status: 200,
  },
  {
    name: 'write-only token on GET',
    method: 'GET',
    url: '/api/repos',
    headers: bearer('write-only-secret'),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'read token on a trigger',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: bearer('viewer-secret-value'),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'read token on a stack trigger',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/envs/prod/scan',
    headers: bearer('viewer-secret-value'),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'read token on cancel',
    method: 'POST',
    url: '/api/tasks/my-infra:1/cancel',
    headers: bearer('viewer-secret-value'),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'write token on a trigger',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: bearer('ci-secret-token-value'),
    status: 202,
  },
  { name: 'health without a token', method: 'GET', url: '/api/health', status: 200 },
  {
    name: 'openapi without a token',
    method: 'GET',
    url: '/api/openapi.json',
    status: 401,
    code: 'unauthorized',
  },
  { name: 'events without a token', method: 'GET', url: '/api/events', status: 401, code: 'unauthorized' },
  { name: 'job without a token', method: 'GET', url: '/api/jobs/a:b:1', status: 401, code: 'unauthorized' },
];

describe('auth (tokens configured)', () => {
  it.each(CASES)('$name: $method $url → $status', async (c) => {
    const fake = seededFake();
    const startTask = vi.fn(fake.startTask);
    t = makeTestApp({ fake, tokens: TOKENS, startTask });
    const res = await t.app.inject({
      method: c.method,
      url: c.url,
      ...(c.headers && { headers: c.headers }),
    });
    expect(res.statusCode).toBe(c.status);
    if (c.code) expect(res.json().code).toBe(c.code);
    if (c.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="driftd"');
    if (c.status === 403) expect(startTask).not.toHaveBeenCalled();
    for (const token of TOKENS) expect(res.body).not.toContain(token.token);
  });

  it("the token's name (never its value) is the default actor; a body actor wins", async () => {
    t = makeTestApp({ tokens: TOKENS });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/repos/other/scan',
      headers: bearer('ci-secret-token-value'),
    });
    expect(res.json().task.actor).toBe('ci');
    await t.app.inject({
      method: 'POST',
      url: `/api/tasks/${res.json().task.id}/cancel`,
      headers: bearer('ci-secret-token-value'),
    });
    const named = await t.app.inject({
      method: 'POST',
      url: '/api/repos/other/scan',
      headers: { ...bearer('ci-secret-token-value'), 'content-type': 'application/json' },
      payload: { actor: 'alice' },
    });
    expect(named.json().task.actor).toBe('alice');
  });

  it('auth is off when no tokens are configured: reads and triggers pass, actor stays null', async () => {
    t = makeTestApp();
    expect((await t.app.inject({ url: '/api/repos' })).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/other/scan' });
    expect(res.statusCode).toBe(202);
    expect(res.json().task.actor).toBeNull();
  });
});

describe('token verifier (the seam the UI uses)', () => {
  it('returns the client by name and scopes, null for anything else', () => {
    const verifier = makeTokenVerifier(TOKENS);
    expect(verifier.enabled).toBe(true);
    expect(verifier.verify('Bearer viewer-secret-value')).toEqual({ name: 'viewer', scopes: ['read'] });
    expect(verifier.verify('Bearer viewer-secret-valuE')).toBeNull();
    expect(verifier.verify('Bearer ')).toBeNull();
    expect(verifier.verify(undefined)).toBeNull();
    expect(makeTokenVerifier([]).enabled).toBe(false);
  });
});

describe('rate limit on write routes', () => {
  it('the third trigger in the window is 429 rate_limited; reads are not limited', async () => {
    t = makeTestApp({ rateLimit: { max: 2, windowMs: 60_000 } });
    const codes: number[] = [];
    for (const repo of ['my-infra', 'other', 'my-infra']) {
      codes.push((await t.app.inject({ method: 'POST', url: `/api/repos/${repo}/scan` })).statusCode);
    }
    expect(codes).toEqual([202, 202, 429]);
    const limited = await t.app.inject({ method: 'POST', url: '/api/repos/other/stacks/app/scan' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBeDefined();
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ url: '/api/repos' })).statusCode).toBe(200);
  });

  it('clients are counted apart: by token name when authenticated', async () => {
    t = makeTestApp({ tokens: TOKENS, rateLimit: { max: 1, windowMs: 60_000 } });
    const post = (token: string) =>
      t.app
        .inject({ method: 'POST', url: '/api/repos/nope/scan', headers: bearer(token) })
        .then((r) => r.statusCode);
    expect(await post('ci-secret-token-value')).toBe(404);
    expect(await post('ci-secret-token-value')).toBe(429);
    expect(await post('write-only-secret')).toBe(404);
  });
});
