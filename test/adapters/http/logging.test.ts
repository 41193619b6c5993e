import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildHttpApp, HTTP_LOG_REDACT_PATHS } from '../../../src/adapters/http/build-http-app.js';
import { MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { seededFake } from './support.js';

const TOKEN = 'log-test-secret-token';

describe('logging with the process pino logger', () => {
  it('uses pino as Fastify logger, logs 5xx with the request id, never the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug', redact: [...HTTP_LOG_REDACT_PATHS] }, sink);
    const fake = seededFake();
    const app = buildHttpApp({
      startTask: async () => {
        throw new Error('store exploded');
      },
      cancelTask: fake.cancelTask,
      queries: fake.queries,
      events: new MemoryEventBus(),
      logger,
      apiConfig: {
        tokens: [{ name: 'ci', token: TOKEN, scopes: ['read', 'write'] }],
        rateLimit: { max: 10, windowMs: 1000 },
      },
      version: 'test',
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/repos/my-infra/scan',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('store exploded');
    await app.close();
    const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
    expect(failed).toMatchObject({
      level: 50,
      method: 'POST',
      route: '/api/repos/:repo/scan',
      err: { message: 'store exploded' },
    });
    expect(failed.reqId).toBeDefined();
    expect(lines.join('')).not.toContain(TOKEN);
  });
});
