import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { HttpApiToken } from '../../../src/adapters/http/auth.js';
import { buildHttpApp } from '../../../src/adapters/http/build-http-app.js';
import type { HttpAppOptions } from '../../../src/adapters/http/http-deps.js';
import { MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { NoopLogger } from '../../../src/adapters/memory/noop-logger.js';
import type { StartTask } from '../../../src/app/use-cases/use-cases.js';
import { FakeDriftd } from './fake-driftd.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly fake: FakeDriftd;
  readonly events: MemoryEventBus;
}

/** The seeded world most route tests use: repo `my-infra` with nested, odd and root stacks. */
export function seededFake(): FakeDriftd {
  return new FakeDriftd()
    .addRepo('my-infra', ['envs/prod', 'envs/staging', '.', 'envs/plan', 'odd stack/ü:x', 'scan'])
    .addRepo('other', ['app']);
}

export function makeTestApp(
  options: {
    fake?: FakeDriftd;
    tokens?: HttpApiToken[];
    rateLimit?: { max: number; windowMs: number };
    http?: HttpAppOptions;
    /** Replaces the fake's startTask (e.g. a `vi.fn` wrapping it, to check the input). */
    startTask?: StartTask;
  } = {},
): TestApp {
  const fake = options.fake ?? seededFake();
  const events = new MemoryEventBus();
  const app = buildHttpApp(
    {
      startTask: options.startTask ?? fake.startTask,
      cancelTask: fake.cancelTask,
      queries: fake.queries,
      events,
      logger: new NoopLogger(),
      apiConfig: {
        tokens: options.tokens ?? [],
        rateLimit: options.rateLimit ?? { max: 1000, windowMs: 60_000 },
      },
      version: '0.1.0-test',
    },
    options.http,
  );
  return { app, fake, events };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * A request over a real loopback socket with the path sent byte for byte: `inject` (like browsers)
 * resolves `..` and `%2e%2e` segments before the server sees them, so traversal cases need this.
 */
export async function rawRequest(
  app: FastifyInstance,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
