import type { Redis } from 'ioredis';
import type { StackRun } from '../../domain/stack-run.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ResultSink } from '../../ports/result-store.port.js';
import { withRedis } from './create-redis-client.js';
import { makeKeys } from './keys.js';

export interface OutboxEntry {
  readonly run: StackRun;
  readonly planText: string;
}

/**
 * The ResultSink of workers without access to `data_dir`: each finished run (with its redacted plan text)
 * is pushed to a Redis list that serve drains into the fs ResultStore (`drainResultOutbox`).
 */
export class RedisResultOutbox implements ResultSink {
  private readonly key: string;

  constructor(private readonly options: { readonly redis: Redis; readonly prefix?: string }) {
    this.key = makeKeys(options.prefix).outbox;
  }

  record(run: StackRun, planText: string): Promise<void> {
    const entry: OutboxEntry = { run, planText };
    return withRedis('outbox.record', async () => {
      await this.options.redis.lpush(this.key, JSON.stringify(entry));
    });
  }
}

export interface DrainOptions {
  readonly prefix?: string;
  /** Stop after this many entries (default: until the outbox is empty). */
  readonly limit?: number;
  readonly logger?: Logger;
}

/**
 * Moves outbox entries into `target` without losing any if this process dies mid-way: each entry is moved
 * atomically (LMOVE) to a processing list, recorded, then removed from it. Entries a dead drain left in
 * the processing list are recorded first on the next drain (recording is idempotent per job and attempt,
 * so a repeat is harmless). An unparsable entry is logged and dropped; a failing `target` throws and leaves
 * its entry in the processing list for the next drain. Returns how many entries were recorded.
 */
export async function drainResultOutbox(
  redis: Redis,
  target: ResultSink,
  options: DrainOptions = {},
): Promise<number> {
  const keys = makeKeys(options.prefix);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let done = 0;
  const leftovers = await withRedis('outbox.drain', () => redis.lrange(keys.outboxProcessing, 0, -1));
  for (const raw of leftovers.reverse()) {
    if (done >= limit) return done;
    done += await recordEntry(redis, keys.outboxProcessing, raw, target, options.logger);
  }
  while (done < limit) {
    const raw = await withRedis('outbox.drain', () =>
      redis.lmove(keys.outbox, keys.outboxProcessing, 'RIGHT', 'LEFT'),
    );
    if (raw === null) break;
    done += await recordEntry(redis, keys.outboxProcessing, raw, target, options.logger);
  }
  return done;
}

async function recordEntry(
  redis: Redis,
  processing: string,
  raw: string,
  target: ResultSink,
  logger?: Logger,
): Promise<number> {
  let entry: OutboxEntry | null = null;
  try {
    entry = JSON.parse(raw) as OutboxEntry;
  } catch {
    logger?.error({ bytes: raw.length }, 'dropping an unreadable result outbox entry');
  }
  if (entry) await target.record(entry.run, entry.planText);
  await withRedis('outbox.drain', () => redis.lrem(processing, 1, raw));
  return entry ? 1 : 0;
}
