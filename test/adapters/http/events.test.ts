import { type ClientRequest, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../../src/adapters/http/build-http-app.js';
import { MemoryEventBus } from '../../../src/adapters/memory/memory-event-bus.js';
import { NoopLogger } from '../../../src/adapters/memory/noop-logger.js';
import type { DomainEvent } from '../../../src/domain/events.js';
import type { RepoName, TaskId } from '../../../src/domain/ids.js';
import type { EventBus, StoredEvent } from '../../../src/ports/event-bus.port.js';
import { seededFake } from './support.js';

/** The memory bus, counting live subscriptions so the test can see the route unsubscribes. */
class CountingBus implements EventBus {
  readonly inner = new MemoryEventBus();
  live = 0;
  publish = (e: DomainEvent) => this.inner.publish(e);
  publishAll = (e: readonly DomainEvent[]) => this.inner.publishAll(e);
  on: EventBus['on'] = (type, handler) => this.inner.on(type, handler);
  readAfter = (lastId: string | null, limit: number) => this.inner.readAfter(lastId, limit);
  subscribe(handler: (stored: StoredEvent) => void) {
    this.live++;
    const off = this.inner.subscribe(handler);
    return () => {
      this.live--;
      off();
    };
  }
}

const started = (n: number): DomainEvent => ({
  type: 'task.started',
  taskId: `repo:${n}` as TaskId,
  repo: 'repo' as RepoName,
  total: n,
  trigger: 'api',
  occurredAt: 1706712345678 + n,
});

interface Stream {
  readonly text: () => string;
  readonly frames: () => { id: string; data: Record<string, unknown> }[];
  until(check: () => boolean, what: string): Promise<void>;
  close(): void;
}

async function open(app: FastifyInstance, headers: Record<string, string> = {}, path = '/api/events') {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let buffer = '';
  let req: ClientRequest | undefined;
  const status = await new Promise<number>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
      });
      res.on('error', () => {});
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  const stream: Stream = {
    text: () => buffer,
    frames: () =>
      buffer
        .split('\n\n')
        .filter((f) => f.startsWith('id: '))
        .map((f) => {
          const [idLine, dataLine] = f.split('\n');
          return { id: idLine!.slice(4), data: JSON.parse(dataLine!.slice(6)) };
        }),
    async until(check, what) {
      const deadline = Date.now() + 3000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${buffer}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => req?.destroy(),
  };
  return { status, stream };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function makeApp(bus: EventBus, heartbeatMs = 15_000) {
  const fake = seededFake();
  return buildHttpApp(
    {
      startTask: fake.startTask,
      cancelTask: fake.cancelTask,
      queries: fake.queries,
      events: bus,
      logger: new NoopLogger(),
      apiConfig: { tokens: [], rateLimit: { max: 100, windowMs: 60_000 } },
      version: 'test',
    },
    { sseHeartbeatMs: heartbeatMs },
  );
}

describe('GET /api/events (SSE)', () => {
  it('streams live events as `id:` + snake_case JSON `data:` frames', async () => {
    const bus = new CountingBus();
    app = makeApp(bus);
    const { status, stream } = await open(app);
    expect(status).toBe(200);
    await stream.until(() => bus.live === 1, 'the subscription');
    await bus.publish(started(1));
    await stream.until(() => stream.frames().length === 1, 'one frame');
    expect(stream.frames()[0]).toEqual({
      id: '1',
      data: {
        type: 'task.started',
        task_id: 'repo:1',
        repo_name: 'repo',
        total: 1,
        trigger: 'api',
        occurred_at: new Date(1706712345679).toISOString(),
      },
    });
    stream.close();
  });

  it('resumes after Last-Event-ID with what was missed, then continues live, without gaps or doubles', async () => {
    const bus = new CountingBus();
    app = makeApp(bus);
    const first = await open(app);
    await first.stream.until(() => bus.live === 1, 'the subscription');
    await bus.publishAll([started(1), started(2)]);
    await first.stream.until(() => first.stream.frames().length === 2, 'two frames');
    const lastSeen = first.stream.frames()[1]!.id;
    first.stream.close();
    await first.stream.until(() => bus.live === 0, 'the unsubscribe after disconnect');

    await bus.publishAll([started(3), started(4)]);
    const second = await open(app, { 'last-event-id': lastSeen });
    await second.stream.until(() => second.stream.frames().length === 2, 'the replay');
    await bus.publish(started(5));
    await second.stream.until(() => second.stream.frames().length === 3, 'the live event');
    expect(second.stream.frames().map((f) => f.data.total)).toEqual([3, 4, 5]);
    second.stream.close();
  });

  it('accepts the resume point as ?last_event_id= too (EventSource cannot set headers on first connect)', async () => {
    const bus = new CountingBus();
    app = makeApp(bus);
    await bus.publishAll([started(1), started(2), started(3)]);
    const { stream } = await open(app, {}, '/api/events?last_event_id=1');
    await stream.until(() => stream.frames().length === 2, 'the replay');
    expect(stream.frames().map((f) => f.id)).toEqual(['2', '3']);
    stream.close();
  });

  it('sends heartbeat comments and ends open streams when the app closes', async () => {
    const bus = new CountingBus();
    app = makeApp(bus, 20);
    const { stream } = await open(app);
    await stream.until(() => stream.text().includes(': heartbeat\n\n'), 'a heartbeat');
    const closing = app.close();
    await expect(closing).resolves.toBeUndefined();
    await stream.until(() => bus.live === 0, 'cleanup on close');
    app = undefined;
  });
});
