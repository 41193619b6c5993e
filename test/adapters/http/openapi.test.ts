import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../../src/adapters/http/build-http-app.js';
import { MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { NoopLogger } from '../../../src/adapters/memory/noop-logger.js';
import { seededFake } from './support.js';

const TOKEN = { name: 'ci', token: 'openapi-test-token', scopes: ['read', 'write'] as const };

function makeApp() {
  const fake = seededFake();
  return buildHttpApp({
    startTask: fake.startTask,
    cancelTask: fake.cancelTask,
    queries: fake.queries,
    events: new MemoryEventBus(),
    logger: new NoopLogger(),
    apiConfig: { tokens: [TOKEN], rateLimit: { max: 100, windowMs: 60_000 } },
    version: '9.9.9',
    metrics: { contentType: 'text/plain; version=0.0.4', metrics: async () => 'driftd_up 1\n' },
  });
}

type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { responses: object }>>;
};

const SAMPLES: Record<string, string> = {
  repo: 'my-infra',
  stack: 'envs/prod',
  jobID: 'my-infra:envs/prod:1',
  taskID: 'my-infra:1',
};

let app: ReturnType<typeof makeApp>;
afterEach(async () => {
  await app?.close();
});

async function loadDoc(): Promise<Doc> {
  const res = await app.inject({
    url: '/api/openapi.json',
    headers: { authorization: `Bearer ${TOKEN.token}` },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the app version and responses on every operation', async () => {
    app = makeApp();
    const doc = await loadDoc();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) expect(op.responses, `${method} ${path}`).toBeDefined();
    }
  });

  it('lists every registered route', async () => {
    app = makeApp();
    const routes: { method: string; url: string }[] = [];
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
    });
    await app.ready();
    const doc = await loadDoc();
    expect(routes.length).toBeGreaterThanOrEqual(14);
    for (const route of routes) {
      // `:param` matches one `{param}`; a wildcard `*` covers every documented path below it.
      const escaped = route.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`^${escaped.replace(/:[A-Za-z]+/g, '\\{[^}]+\\}').replace(/\*/g, '.+')}$`);
      const documented = Object.entries(doc.paths).filter(
        ([path, ops]) => pattern.test(path) && ops[route.method.toLowerCase()] !== undefined,
      );
      expect(
        documented.length,
        `${route.method} ${route.url} is not in the OpenAPI document`,
      ).toBeGreaterThan(0);
    }
  });

  it('every documented operation is served (no router 404): 401 without a token, health 200', async () => {
    app = makeApp();
    const doc = await loadDoc();
    for (const [path, ops] of Object.entries(doc.paths)) {
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => SAMPLES[name] ?? 'x');
      for (const method of Object.keys(ops)) {
        const res = await app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url });
        expect(res.statusCode, `${method} ${url}`).toBe(path === '/api/health' ? 200 : 401);
      }
    }
  });

  it('serves /metrics from the metrics source (read scope)', async () => {
    app = makeApp();
    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN.token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('driftd_up 1\n');
  });
});
