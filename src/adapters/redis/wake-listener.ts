import type { Redis } from 'ioredis';
import { duplicateForBlocking } from './create-redis-client.js';
import type { RedisContext } from './redis-context.js';

/**
 * Idle workers' wake-up: the scripts that make a job pending PUBLISH on the wake channel, and every
 * waiting process hears it on one dedicated subscriber connection (pub/sub reaches all processes, unlike
 * a popped wake list). A wake-up can be missed between a worker's empty claim and its subscription, so
 * a wait first checks the queue and always ends at its timeout: a short poll at worst, never a spin.
 */
export class WakeListener {
  private subscriber: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly ctx: RedisContext) {}

  /** Resolves on a wake-up, when work is already pending, at the timeout, or on abort. Never throws. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
      this.checkPending(done);
    });
  }

  private checkPending(done: () => void): void {
    const { redis, keys } = this.ctx;
    this.ensureSubscribed()
      .then(() => redis.zcard(keys.ready))
      .then((pending) => {
        if (pending > 0) done();
      })
      .catch(() => {
        // Redis unreachable: the wait ends at its timeout; the caller's next claim reports the outage.
      });
  }

  private ensureSubscribed(): Promise<unknown> {
    if (this.subscribed) return this.subscribed;
    const sub = duplicateForBlocking(this.ctx.redis, this.ctx.logger);
    sub.on('message', () => {
      const waiting = [...this.waiters];
      this.waiters.clear();
      for (const wake of waiting) wake();
    });
    this.subscriber = sub;
    // ioredis re-subscribes by itself after a reconnect.
    this.subscribed = sub.subscribe(this.ctx.keys.wakeChannel);
    return this.subscribed;
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    const sub = this.subscriber;
    this.subscriber = null;
    this.subscribed = null;
    if (sub) sub.disconnect();
  }
}
