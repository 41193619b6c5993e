import type { Redis } from 'ioredis';

export type RedisHealth = 'ok' | 'unreachable';

/**
 * Whether Redis answers a PING within `timeoutMs`. A client that is not connected right now is reported
 * unreachable at once (nothing is queued behind a reconnect). Never throws.
 */
export async function checkRedisHealth(redis: Redis, timeoutMs = 1_000): Promise<RedisHealth> {
  if (redis.status !== 'ready') return 'unreachable';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RedisHealth>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), timeoutMs);
  });
  const ping = redis.ping().then(
    (reply): RedisHealth => (reply === 'PONG' ? 'ok' : 'unreachable'),
    (): RedisHealth => 'unreachable',
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
