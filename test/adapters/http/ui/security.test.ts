import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { inSync } from '../../../support/scripted-plan-runner.js';
import { testRepo } from '../../../support/test-config.js';
import { makeUiApp, UiClient, type UiTestApp } from './ui-support.js';

const STACKS = ['envs/prod', '.', 'odd stack/ü %x'];
const TOKENS = [
  { name: 'admin', token: 'admin-secret-token-1234', scopes: ['read', 'write'] as const },
  { name: 'viewer', token: 'viewer-secret-token-5678', scopes: ['read'] as const },
].map((t) => ({ ...t, scopes: [...t.scopes] }));

let t: UiTestApp;
afterEach(async () => {
  await t?.close();
});

async function setup(options: Parameters<typeof makeUiApp>[0] = {}) {
  t = await makeUiApp({ repos: [testRepo('infra', { stacks: STACKS })], ...options });
  t.h.repoSource.setRepo('infra', { commit: 'c0ffee0012345678', stacks: STACKS });
  // Plans wait until released, so tasks stay active while the test looks at them.
  for (const s of STACKS) t.h.runner.script(s, { hold: true });
  return t;
}

async function tasks() {
  return (await t.h.c.queries.listRepoTasks('infra', 10)) ?? [];
}

async function releaseAll() {
  for (const s of STACKS) {
    try {
      t.h.runner.release(s, inSync());
    } catch {
      // not running
    }
  }
}

describe('form posts (no auth configured)', () => {
  it('Scan now starts a ui-triggered task and redirects back with a flash code', async () => {
    await setup();
    const ui = new UiClient(t.app);
    const csrf = await ui.token('/');
    const res = await ui.post('/repos/infra/scan', { _csrf: csrf, back: '/' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/?flash=scan_started');
    const [task] = await tasks();
    expect(task).toMatchObject({ status: 'running', trigger: { kind: 'ui' } });
    const page = await ui.get(res.headers.location as string);
    expect(page.body).toContain('Scan started. Progress updates live on this page.');
    // A second scan conflicts.
    const again = await ui.post('/repos/infra/scan', { _csrf: csrf });
    expect(again.headers.location).toBe('/repos/infra?flash=scan_conflict');
    await releaseAll();
  });

  it('answers JSON to the page script and never redirects off-site', async () => {
    await setup();
    const ui = new UiClient(t.app);
    const csrf = await ui.token('/');
    const res = await ui.post('/repos/infra/scan', { _csrf: csrf }, { accept: 'application/json' });
    expect(res.statusCode).toBe(202);
    const [task] = await tasks();
    expect(res.json()).toMatchObject({ flash: 'scan_started', kind: 'ok', task_id: task!.id });
    const cancel = await ui.post(`/tasks/${encodeURIComponent(task!.id)}/cancel`, {
      _csrf: csrf,
      back: '//evil.example/x',
    });
    expect(cancel.statusCode).toBe(303);
    expect(cancel.headers.location).toBe('/repos/infra?flash=task_canceled');
    expect((await tasks())[0]!.status).toBe('canceled');
    const twice = await ui.post(`/tasks/${encodeURIComponent(task!.id)}/cancel`, { _csrf: csrf });
    expect(twice.headers.location).toBe('/repos/infra?flash=task_not_active');
    const unknown = await ui.post('/tasks/infra:1/cancel', { _csrf: csrf, back: '/' });
    expect(unknown.headers.location).toBe('/?flash=task_not_found');
  });

  it('per-stack Scan works for the root stack and a stack with odd characters', async () => {
    await setup();
    const ui = new UiClient(t.app);
    const csrf = await ui.token('/repos/infra');
    const odd = await ui.post('/repos/infra/stacks/odd%20stack/%C3%BC%20%25x/scan', { _csrf: csrf });
    expect(odd.headers.location).toBe('/repos/infra?flash=stack_scan_started');
    expect((await tasks())[0]).toMatchObject({ stack: 'odd stack/ü %x', trigger: { kind: 'ui' } });
    await t.h.c.cancelTask((await tasks())[0]!.id);
    const root = await ui.post('/repos/infra/stacks/scan', { _csrf: csrf });
    expect(root.headers.location).toBe('/repos/infra?flash=stack_scan_started');
    expect((await tasks())[0]).toMatchObject({ stack: '.' });
    await t.h.c.cancelTask((await tasks())[0]!.id);
    const missing = await ui.post('/repos/infra/stacks/envs/nope/scan', { _csrf: csrf });
    expect(missing.headers.location).toBe('/repos/infra?flash=stack_not_found');
    const repo = await ui.post('/repos/nope/scan', { _csrf: csrf, back: '/' });
    expect(repo.headers.location).toBe('/?flash=repo_not_found');
  });

  it('rejects posts without the token, with a forged token, or from another site: 403 page, no task', async () => {
    await setup();
    const ui = new UiClient(t.app);
    const csrf = await ui.token('/');
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ _csrf: 'forged' }, {}],
      [{ _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }],
      [{ _csrf: csrf }, { origin: 'https://evil.example' }],
      [{ _csrf: csrf }, { origin: 'null' }],
    ];
    for (const [fields, headers] of cases) {
      const res = await ui.post('/repos/infra/scan', fields, headers);
      expect(res.statusCode, JSON.stringify({ fields, headers })).toBe(403);
      expect(res.body).toContain('This form expired or came from another site');
    }
    // A token minted for another browser's cookie does not fit this one.
    const other = new UiClient(t.app);
    const res = await other.post('/repos/infra/scan', { _csrf: await new UiClient(t.app).token('/') });
    expect(res.statusCode).toBe(403);
    expect(await tasks()).toHaveLength(0);
  });

  it('sets the CSRF cookie HttpOnly and SameSite=Strict; the API stays JSON-only', async () => {
    await setup();
    const page = await t.app.inject({ method: 'GET', url: '/' });
    expect(String(page.headers['set-cookie'])).toMatch(
      /^driftd_csrf=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const api = await t.app.inject({
      method: 'POST',
      url: '/api/repos/infra/scan',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'trigger=api',
    });
    expect(api.statusCode).toBe(415);
  });
});

/** Opens the SSE stream over a real socket, collects what arrives in `ms`, then disconnects. */
async function readStream(
  url: string,
  headers: Record<string, string>,
  ms: number,
  during?: () => Promise<void>,
) {
  if (!t.app.server.listening) await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: url, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      setTimeout(() => during?.(), 20);
      setTimeout(() => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      }, ms);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('UI login when API tokens are configured', () => {
  it('sends anonymous visitors to /login, signs in with a token, never stores the token in the cookie', async () => {
    await setup({ tokens: TOKENS });
    const ui = new UiClient(t.app);
    const home = await ui.get('/repos/infra?status=drifted');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/login?next=%2Frepos%2Finfra%3Fstatus%3Ddrifted');
    const csrf = await ui.token(home.headers.location as string);
    const wrong = await ui.post('/login', { _csrf: csrf, token: 'nope', next: '/repos/infra' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That token is not valid');
    expect(ui.has('driftd_session')).toBe(false);

    const ok = await ui.post('/login', {
      _csrf: csrf,
      token: 'admin-secret-token-1234',
      next: '/repos/infra',
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/repos/infra');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/driftd_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    expect(cookie).not.toContain('admin-secret-token-1234');
    const page = await ui.get('/repos/infra');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signed in as <strong>admin</strong>');
    expect(page.body).toContain('>Scan now</button>');

    // The session works for posts (actor = token name) but is no API credential.
    const scan = await ui.post('/repos/infra/scan', { _csrf: await ui.token('/') });
    expect(scan.headers.location).toBe('/repos/infra?flash=scan_started');
    expect((await tasks())[0]!.trigger).toEqual({ kind: 'ui', actor: 'admin' });
    expect((await ui.get('/api/repos')).statusCode).toBe(401);

    const out = await ui.post('/logout', { _csrf: await ui.token('/') });
    expect(out.headers.location).toBe('/login?flash=signed_out');
    expect((await ui.get('/')).statusCode).toBe(303);
    await releaseAll();
  });

  it('reloads once, same-site, when a link from another site arrives without the Strict cookies', async () => {
    await setup({ tokens: TOKENS });
    const res = await t.app.inject({
      method: 'GET',
      url: '/repos/infra',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<meta http-equiv="refresh" content="0">');
    expect(res.headers['set-cookie']).toBeUndefined();
    const direct = await t.app.inject({
      method: 'GET',
      url: '/repos/infra',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(direct.statusCode).toBe(303);
  });

  it('refuses a tampered session cookie', async () => {
    await setup({ tokens: TOKENS });
    const ui = new UiClient(t.app);
    const csrf = await ui.token('/login');
    await ui.post('/login', { _csrf: csrf, token: 'viewer-secret-token-5678' });
    const session = /driftd_session=([^;]+)/.exec(ui.cookieHeader())![1]!;
    const [body, sig] = decodeURIComponent(session).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body!, 'base64url').toString()),
        scopes: ['read', 'write'],
      }),
    ).toString('base64url');
    const res = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { cookie: `driftd_session=${forged}.${sig}` },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });

  it('a read-only token sees no scan buttons and cannot post', async () => {
    await setup({ tokens: TOKENS });
    const ui = new UiClient(t.app);
    await ui.post('/login', { _csrf: await ui.token('/login'), token: 'viewer-secret-token-5678' });
    const page = await ui.get('/repos/infra');
    expect(page.body).toContain('Signed in as <strong>viewer</strong> (read-only)');
    expect(page.body).not.toContain('>Scan now</button>');
    expect(page.body).not.toContain('>Scan</button>');
    const res = await ui.post('/repos/infra/scan', { _csrf: await ui.token('/') });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Token &quot;viewer&quot; is read-only');
    expect(await tasks()).toHaveLength(0);
  });

  it('the live stream needs the UI session, streams events and resumes with Last-Event-ID', async () => {
    await setup({ tokens: TOKENS });
    const denied = await readStream('/ui/api/events', {}, 100);
    expect(denied.status).toBe(401);

    const ui = new UiClient(t.app);
    await ui.post('/login', { _csrf: await ui.token('/login'), token: 'viewer-secret-token-5678' });
    const cookie = ui.cookieHeader();
    const live = await readStream('/ui/api/events', { cookie }, 300, async () => {
      await t.h.c.startTask({ repo: 'infra', trigger: { kind: 'api' } });
    });
    expect(live.status).toBe(200);
    expect(live.body).toContain('retry: 3000');
    expect(live.body).toContain('"type":"task.started"');
    expect(live.body).toContain(': heartbeat');
    const firstId = /^id: (.+)$/m.exec(live.body)![1]!;
    const [task] = await tasks();
    await t.h.c.cancelTask(task!.id);
    const resumed = await readStream('/ui/api/events', { cookie, 'last-event-id': firstId }, 150);
    expect(resumed.body).toContain('"type":"task.canceled"');
    expect(resumed.body).not.toContain('"type":"task.started"');
  });
});
