import { afterEach, describe, expect, it } from 'vitest';
import {
  DriftdMetrics,
  type MetricsServer,
  parseListenAddr,
  startMetricsServer,
} from '../../../src/adapters/metrics/index.js';
import { isDriftdError } from '../../../src/domain/errors.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(source: { contentType: string; metrics(): Promise<string> }): Promise<MetricsServer> {
  const server = await startMetricsServer('127.0.0.1:0', source);
  servers.push(server);
  return server;
}

describe('startMetricsServer', () => {
  it('serves GET /metrics from the source with its content type', async () => {
    const metrics = new DriftdMetrics({ defaultMetrics: false });
    metrics.setWorkerSlots(3, 8);
    const server = await start(metrics);
    const res = await fetch(`${server.url}/metrics?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.contentType);
    const body = await res.text();
    expect(body).toMatch(/^driftd_worker_busy_slots 3$/m);
    expect(body).toMatch(/^driftd_worker_slots 8$/m);
  });

  it('answers 404 to every other path and method', async () => {
    const server = await start(new DriftdMetrics({ defaultMetrics: false }));
    for (const [path, method] of [
      ['/', 'GET'],
      ['/api/health', 'GET'],
      ['/metrics/extra', 'GET'],
      ['/metrics', 'POST'],
      ['/metrics', 'DELETE'],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
      await res.text();
    }
  });

  it('answers 500 without details when the source fails', async () => {
    const server = await start({
      contentType: 'text/plain',
      metrics: async () => {
        throw new Error('secret-ish internals at /x/y.js:1');
      },
    });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('metrics unavailable\n');
  });

  it('stops listening on close', async () => {
    const server = await startMetricsServer('127.0.0.1:0', new DriftdMetrics({ defaultMetrics: false }));
    await server.close();
    await expect(fetch(`${server.url}/metrics`)).rejects.toThrow();
  });

  it('rejects with DRIFTD_ADAPTER_UNAVAILABLE when the port is taken', async () => {
    const taken = await start(new DriftdMetrics({ defaultMetrics: false }));
    const error = await startMetricsServer(`127.0.0.1:${taken.port}`, {
      contentType: 'text/plain',
      metrics: async () => '',
    }).catch((e: unknown) => e);
    expect(isDriftdError(error, 'DRIFTD_ADAPTER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${taken.port}`);
  });
});

describe('parseListenAddr', () => {
  it.each([
    [':9464', undefined, 9464],
    ['0.0.0.0:9464', '0.0.0.0', 9464],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['[::1]:9100', '::1', 9100],
    ['metrics.local:80', 'metrics.local', 80],
  ])('%s', (addr, host, port) => {
    expect(parseListenAddr(addr)).toEqual({ host, port });
  });

  it.each(['9464', 'host', ':', ':99999', '::1:80', 'a:b'])('rejects %s', (addr) => {
    expect(() => parseListenAddr(addr)).toThrow(/metrics address/);
  });
});
