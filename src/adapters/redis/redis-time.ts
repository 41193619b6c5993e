import type { Redis } from 'ioredis';

/**
 * Redis server time in epoch ms. Leases and lock deadlines are judged by the server's clock inside the
 * scripts, so every process agrees; reads that select by deadline use the same clock.
 */
export async function serverTime(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
