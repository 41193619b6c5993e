import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import { createRedisClient, type RedisRole } from '../../../src/adapters/redis/create-redis-client.js';
import { createRedisCoordination } from '../../../src/adapters/redis/redis-coordination.js';
import type { CoordinationSubject } from '../../contracts/support.js';
import { hasRedisServer, type RedisServerHandle, startRedisServer } from '../../support/redis-server.js';

export const redisAvailable = hasRedisServer();
if (!redisAvailable) console.warn('redis-server is not installed: skipping the Redis integration tests');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One redis-server per test file (started on first use), a client per subject, and a random key prefix
 * per subject that is removed with SCAN + DEL afterwards.
 */
export class RedisFixture {
  private server: Promise<RedisServerHandle> | null = null;

  handle(): Promise<RedisServerHandle> {
    this.server ??= startRedisServer();
    return this.server;
  }

  async client(role: RedisRole = 'worker'): Promise<Redis> {
    return createRedisClient({ url: (await this.handle()).url, role });
  }

  async coordination(options: { retentionMs?: number; tasksPerRepo?: number; eventCapacity?: number } = {}) {
    const redis = await this.client();
    const prefix = `test-${randomUUID().slice(0, 8)}:`;
    const coordination = createRedisCoordination({ redis, prefix, ...options });
    const subject: CoordinationSubject & { redis: Redis; prefix: string } = {
      ...coordination,
      redis,
      prefix,
      advance: sleep,
      cleanup: async () => {
        await coordination.close();
        await deleteKeys(redis, prefix);
        redis.disconnect();
      },
    };
    return subject;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await (await server).stop();
  }
}

type CoordinationOptions = Parameters<RedisFixture['coordination']>[0];

/**
 * One fixture per test file with its hooks registered: `subject()` gives a fresh coordination on a
 * random prefix that is cleaned up after each test; `cleanups` takes other per-test cleanups.
 */
export function useRedisFixture() {
  const fixture = new RedisFixture();
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(() => fixture.stop());
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function subject(options?: CoordinationOptions) {
    const s = await fixture.coordination(options);
    cleanups.push(s.cleanup);
    return s;
  }
  return { fixture, cleanups, subject };
}

/** Every key under `prefix`. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}
