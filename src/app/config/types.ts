import type { RepoName, StackPath } from '../../domain/ids.js';
import type { GitAuth } from '../../ports/repo-source.port.js';
import type { IacToolName } from '../../ports/tool-resolver.port.js';

/**
 * The runtime config: what `schema.ts` turns a `config.yaml` (snake_case keys, durations like `30m`)
 * into. Frozen after loading. Services receive only the slice they need.
 */
export interface DriftdConfig {
  /** Where the config came from (file path, or `<object>` for an embedded config): used in messages. */
  readonly source: string;
  readonly dataDir: string;
  /** `":8080"`, `"127.0.0.1:8080"`, `"[::1]:8080"` parsed. */
  readonly listen: { readonly host: string; readonly port: number };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Absent = embedded default (in-memory coordination, in-process workers). */
  readonly redis?: RedisConfig;
  readonly worker: WorkerConfig;
  readonly repos: readonly RepoConfig[];
  readonly tools: ToolsConfig;
  readonly api: ApiConfig;
}

export interface RedisConfig {
  /** `host:port`. */
  readonly addr: string;
  readonly password?: string;
  readonly db: number;
  /** Key prefix, default `driftd:`. */
  readonly prefix: string;
}

export interface WorkerConfig {
  readonly concurrency: number;
  readonly lockTtlMs: number;
  readonly retryOnce: boolean;
  readonly taskMaxAgeMs: number;
  /** As configured: 0 = `lock_ttl/3` (resolve with `resolveLockPolicy`). */
  readonly renewEveryMs: number;
  /** `worker.stack_timeout`, default 30m. */
  readonly stackTimeoutMs: number;
  /** How long a draining worker lets running jobs finish before handing them back (default 30s). */
  readonly drainGraceMs: number;
  /** Cache dir for git mirrors and work dirs; default `<tools.cache_dir>/git`. */
  readonly workDir: string;
}

export interface RepoConfig {
  readonly name: RepoName;
  readonly url: string;
  readonly branch?: string;
  readonly cancelInflightOnNewTrigger: boolean;
  readonly git: GitAuth;
  readonly schedule?: string;
  /** IANA zone for `schedule`, default the server's. */
  readonly timezone?: string;
  /** Random delay up to this many ms before a scheduled task starts (spread). */
  readonly jitterMs: number;
  /** Configured stacks; undefined = discover at the pinned commit. */
  readonly stacks?: readonly StackPath[];
  readonly ignorePaths: readonly string[];
  /** terraform or tofu for non-terragrunt stacks (and the binary terragrunt drives). Default terraform. */
  readonly tool: IacToolName;
  /** Pass `-lock=true` to plan instead of the default `-lock=false`. */
  readonly planLock: boolean;
}

export type ToolKey = 'terraform' | 'tofu' | 'terragrunt';

export interface ToolsConfig {
  /** Default `/cache` in the container, `./cache` locally. */
  readonly cacheDir: string;
  /** Release base URL per tool (official release sites by default). */
  readonly mirrors: Readonly<Record<ToolKey, string>>;
  /** Version to use when a stack pins nothing (else the binary on PATH, else latest). */
  readonly defaultVersions: Readonly<Partial<Record<ToolKey, string>>>;
  /** Use tfswitch/tgswitch when they are on PATH. */
  readonly useSwitchers: boolean;
  /** Allow network installs; false = only cached or PATH binaries. */
  readonly install: boolean;
}

export type ApiScope = 'read' | 'write';

export interface ApiToken {
  readonly name: string;
  /** Resolved from `${ENV}`; never logged. */
  readonly token: string;
  readonly scopes: readonly ApiScope[];
}

export interface ApiConfig {
  /** Empty = auth off. */
  readonly tokens: readonly ApiToken[];
  /** Trigger routes: at most `max` requests per client per `windowMs`. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}
