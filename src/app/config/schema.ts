import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_LOCK_TTL_MS, DEFAULT_TASK_MAX_AGE_MS, resolveLockPolicy } from '../../domain/lock-policy.js';
import { reposSchema } from './repo-schema.js';
import { ALWAYS, bool, duration, httpUrl, int, listenAddr, text } from './schema-primitives.js';
import type { ApiToken, DriftdConfig, ToolsConfig, WorkerConfig } from './types.js';

/**
 * The raw config.yaml shape (snake_case, as the spec writes it) and its transform into the runtime
 * `DriftdConfig`. Every object is strict, so a misspelt key is an error rather than a silent default.
 * Sections use `.prefault({})` so their defaults are parsed (zod 4's `.default` would skip parsing).
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const redisSchema = z.strictObject({
  addr: text().regex(/^(?:\[[0-9A-Fa-f:.]+\]|[^:\s]+):\d{1,5}$/, { error: 'must be "host:port"' }),
  /** `""` (as in the spec's example) means no password. */
  password: z.string({ error: 'must be a string' }).optional(),
  db: int(0, 1_000_000).default(0),
  prefix: text().default('driftd:'),
});

const workerSchema = z
  .strictObject({
    concurrency: int(1, 256).default(5),
    lock_ttl: duration().default(DEFAULT_LOCK_TTL_MS),
    retry_once: bool().default(true),
    task_max_age: duration().default(DEFAULT_TASK_MAX_AGE_MS),
    renew_every: duration().default(0),
    stack_timeout: duration().prefault('30m'),
    drain_grace: duration().prefault('30s'),
    work_dir: text().optional(),
  })
  .superRefine(checkLockPolicy, ALWAYS);

type WorkerRaw = { lock_ttl: unknown; renew_every: unknown; task_max_age: unknown; stack_timeout: unknown };

function checkLockPolicy(w: WorkerRaw, ctx: z.RefinementCtx): void {
  const { lock_ttl, renew_every, task_max_age, stack_timeout } = w;
  if (typeof stack_timeout === 'number' && stack_timeout <= 0) {
    ctx.addIssue({ code: 'custom', path: ['stack_timeout'], message: 'must be greater than 0' });
  }
  if (typeof lock_ttl !== 'number' || typeof renew_every !== 'number' || typeof task_max_age !== 'number')
    return;
  // The domain owns the lock rules; this only maps its problems onto config keys.
  const policy = resolveLockPolicy({
    lockTtlMs: lock_ttl,
    renewEveryMs: renew_every,
    taskMaxAgeMs: task_max_age,
  });
  if (!policy.ok) {
    for (const p of policy.error) ctx.addIssue({ code: 'custom', path: [p.key], message: p.message });
  }
}

const toolVersion = () =>
  text().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, { error: 'must be a version such as 1.9.8 or latest' });

const toolsSchema = z.strictObject({
  cache_dir: text().default('./cache'),
  mirrors: z
    .strictObject({
      terraform: httpUrl().default('https://releases.hashicorp.com'),
      tofu: httpUrl().default('https://github.com/opentofu/opentofu/releases/download'),
      terragrunt: httpUrl().default('https://github.com/gruntwork-io/terragrunt/releases/download'),
    })
    .prefault({}),
  default_versions: z
    .strictObject({
      terraform: toolVersion().optional(),
      tofu: toolVersion().optional(),
      terragrunt: toolVersion().optional(),
    })
    .prefault({}),
  switchers: bool().default(true),
  install: bool().default(true),
});

const tokenSchema = z.strictObject({
  name: text(),
  token: text(),
  scopes: z
    .array(z.enum(['read', 'write'], { error: 'must be read or write' }), {
      error: 'must be a list of scopes',
    })
    .min(1, { error: 'must list at least one scope' })
    .default(['read']),
});

const apiSchema = z.strictObject({
  tokens: z
    .array(tokenSchema, { error: 'must be a list of tokens' })
    .default([])
    .superRefine((tokens, ctx) => {
      const names = tokens.map((t) => (typeof t?.name === 'string' ? t.name : undefined));
      names.forEach((name, i) => {
        const first = names.indexOf(name);
        if (name !== undefined && first !== i) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `is already used by api.tokens[${first}]`,
          });
        }
      });
    }, ALWAYS),
  rate_limit: z
    .strictObject({ max: int(1).default(30), window: duration().prefault('1m') })
    .superRefine((r, ctx) => {
      if (r.window <= 0)
        ctx.addIssue({ code: 'custom', path: ['window'], message: 'must be greater than 0' });
    })
    .prefault({}),
});

export const configRawSchema = z.strictObject({
  data_dir: text().default('./data'),
  listen_addr: listenAddr().prefault(':8080'),
  log_level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  redis: redisSchema.optional(),
  worker: workerSchema.prefault({}),
  repos: reposSchema,
  tools: toolsSchema.prefault({}),
  api: apiSchema.prefault({}),
});

type Raw = z.output<typeof configRawSchema>;

/** Everything but `source`, which the loader adds. */
export type DriftdConfigBody = Omit<DriftdConfig, 'source'>;

function toWorker(w: Raw['worker'], cacheDir: string): WorkerConfig {
  return {
    concurrency: w.concurrency,
    lockTtlMs: w.lock_ttl,
    retryOnce: w.retry_once,
    taskMaxAgeMs: w.task_max_age,
    renewEveryMs: w.renew_every,
    stackTimeoutMs: w.stack_timeout,
    drainGraceMs: w.drain_grace,
    workDir: w.work_dir ?? path.join(cacheDir, 'git'),
  };
}

function toTools(t: Raw['tools']): ToolsConfig {
  const versions = Object.entries(t.default_versions).filter(([, v]) => v !== undefined);
  return {
    cacheDir: t.cache_dir,
    mirrors: t.mirrors,
    defaultVersions: Object.fromEntries(versions),
    useSwitchers: t.switchers,
    install: t.install,
  };
}

function toRuntime(raw: Raw): DriftdConfigBody {
  const { redis } = raw;
  const tokens: ApiToken[] = raw.api.tokens.map((t) => ({ name: t.name, token: t.token, scopes: t.scopes }));
  return {
    dataDir: raw.data_dir,
    listen: raw.listen_addr,
    logLevel: raw.log_level,
    ...(redis === undefined
      ? {}
      : {
          redis: {
            addr: redis.addr,
            ...(redis.password ? { password: redis.password } : {}),
            db: redis.db,
            prefix: redis.prefix,
          },
        }),
    worker: toWorker(raw.worker, raw.tools.cache_dir),
    repos: raw.repos,
    tools: toTools(raw.tools),
    api: { tokens, rateLimit: { max: raw.api.rate_limit.max, windowMs: raw.api.rate_limit.window } },
  };
}

/** config.yaml (after `${ENV}` and `DRIFTD_*` resolution) → runtime config without `source`. */
export const configSchema = configRawSchema.transform(toRuntime);

/** What a caller may pass: the YAML shape, snake_case, durations as strings. */
export type DriftdConfigInput = z.input<typeof configSchema>;

// Compile-time proof that the schema produces the runtime type (fails `tsc` if they drift apart).
type Assignable<T extends U, U> = T;
export type SchemaOutputIsDriftdConfig = Assignable<
  z.output<typeof configSchema> & { source: string },
  DriftdConfig
>;
