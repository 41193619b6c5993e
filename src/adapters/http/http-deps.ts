import type { FastifyPluginAsync } from 'fastify';
import type { CancelTask, Queries, StartTask } from '../../app/use-cases/use-cases.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { HttpApiToken, TokenVerifier } from './auth.js';

/** `api:` in the config: tokens (empty = auth off) and the trigger-route rate limit. */
export interface HttpApiConfig {
  readonly tokens: readonly HttpApiToken[];
  /** At most `max` trigger/cancel requests per client (token name, else IP) per `windowMs`. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

/** A Prometheus text source (prom-client's `Registry` fits). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** What the HTTP app needs: use cases by type, the event bus for SSE, the logger and the API config. */
export interface HttpDeps {
  readonly startTask: StartTask;
  readonly cancelTask: CancelTask;
  readonly queries: Queries;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly apiConfig: HttpApiConfig;
  readonly version: string;
  readonly metrics?: MetricsSource;
}

/** Options the UI plugin receives, so its pages can authenticate with the same tokens. */
export interface UiPluginOptions {
  readonly auth: TokenVerifier;
}

export interface HttpAppOptions {
  /** The web UI: registered at the root, after the API, with the shared error handling. */
  readonly ui?: FastifyPluginAsync<UiPluginOptions>;
  /** Request body cap in bytes (default 64 KiB): larger bodies are 413. */
  readonly bodyLimit?: number;
  /** Passed to Fastify: trust `X-Forwarded-For` from these proxies (affects per-IP rate limits). */
  readonly trustProxy?: boolean | string | string[];
  /** SSE heartbeat comment interval (default 15 s). */
  readonly sseHeartbeatMs?: number;
}
