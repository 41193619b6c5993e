import { Redis, type RedisOptions, ReplyError } from 'ioredis';
import { DriftdError, isDriftdError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.port.js';
import { loadScripts } from './load-scripts.js';

/** Who uses the connection: decides how long a command waits for a reconnect before it fails. */
export type RedisRole = 'serve' | 'worker' | 'blocking';

export interface RedisClientOptions {
  /** `redis://[:password@]host:port[/db]`, or host/port below. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly password?: string;
  readonly db?: number;
  readonly role: RedisRole;
  readonly logger?: Logger;
  readonly connectionName?: string;
}

/**
 * Commands queued while disconnected fail after this many reconnect attempts (about 1 s for serve, so an
 * HTTP request answers "unavailable" quickly; about 30 s for workers, which rides out a Redis restart).
 * Blocking readers (XREAD, pub/sub) wait forever: they only ever wait.
 */
const MAX_RETRIES: Record<RedisRole, number | null> = { serve: 3, worker: 12, blocking: null };
const MAX_BACKOFF_MS = 5_000;

/** Reconnects forever with capped exponential backoff: processes survive any Redis outage. */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(attempt, 10));
}

export function redisClientOptions(options: RedisClientOptions): RedisOptions {
  return {
    ...(options.host !== undefined && { host: options.host }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.db !== undefined && { db: options.db }),
    ...(options.connectionName !== undefined && { connectionName: options.connectionName }),
    retryStrategy: reconnectDelay,
    maxRetriesPerRequest: MAX_RETRIES[options.role],
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    // Concurrent commands of one tick share one write: many job loops on one connection stay cheap.
    enableAutoPipelining: options.role !== 'blocking',
    // The queue batches its own calls per tick (QueueBatcher): wrapping its one call in a pipeline costs.
    autoPipeliningIgnoredCommands: ['driftd_settleJobs'],
  };
}

/**
 * A Redis client with driftd's scripts defined, that never crashes its process: connection errors are
 * logged (once per distinct message, then at most every 30 s), reconnects go on forever, and commands
 * issued meanwhile wait in the offline queue (failing after the role's retry budget).
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const settings = redisClientOptions(options);
  const client = options.url ? new Redis(options.url, settings) : new Redis(settings);
  watchConnection(client, options.logger);
  loadScripts(client);
  return client;
}

/** A dedicated connection for blocking reads (XREAD BLOCK, SUBSCRIBE), same server and logging. */
export function duplicateForBlocking(client: Redis, logger?: Logger): Redis {
  const dup = client.duplicate({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  watchConnection(dup, logger);
  return dup;
}

function watchConnection(client: Redis, logger?: Logger): void {
  let lastMessage = '';
  let lastAt = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (error.message === lastMessage && now - lastAt < 30_000) return;
    lastMessage = error.message;
    lastAt = now;
    logger?.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'redis error');
  });
  client.on('ready', () => {
    if (lastMessage !== '') logger?.info({}, 'redis connection restored');
    lastMessage = '';
  });
}

/** Reply errors that mean "the server cannot serve now" rather than "this command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

/**
 * Maps what ioredis throws to a DriftdError: connection loss, timeouts and transient server states become
 * `DRIFTD_ADAPTER_UNAVAILABLE` (with `cause`); any other reply error is a bug (`DRIFTD_INTERNAL`).
 */
export function toDriftdError(error: unknown, operation: string): DriftdError {
  if (isDriftdError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReplyError && !TRANSIENT_REPLY.test(message)) {
    return new DriftdError('DRIFTD_INTERNAL', `redis ${operation} failed: ${message}`, {
      details: { operation },
      cause: error,
    });
  }
  return new DriftdError('DRIFTD_ADAPTER_UNAVAILABLE', `redis is unavailable (${operation}): ${message}`, {
    details: { operation },
    cause: error,
  });
}

/** Runs one adapter operation, translating whatever Redis throws (see `toDriftdError`). */
export async function withRedis<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toDriftdError(error, operation);
  }
}
