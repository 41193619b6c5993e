import type { DriftdConfig, RepoConfig, WorkerConfig } from '../../src/app/config/types.js';
import type { RepoName, StackPath } from '../../src/domain/ids.js';
import { MINUTE, SECOND } from '../../src/domain/lock-policy.js';

/** A repo config for tests: `stacks` configured (undefined = discovered), sane defaults otherwise. */
export function testRepo(
  name: string,
  overrides: Partial<Omit<RepoConfig, 'name' | 'stacks'>> & {
    stacks?: readonly string[];
  } = {},
): RepoConfig {
  const { stacks, ...rest } = overrides;
  return {
    name: name as RepoName,
    url: `file:///srv/git/${name}.git`,
    cancelInflightOnNewTrigger: false,
    git: { type: 'none' },
    jitterMs: 0,
    ignorePaths: [],
    tool: 'terraform',
    planLock: false,
    ...(stacks !== undefined && { stacks: stacks as StackPath[] }),
    ...rest,
  };
}

export interface TestConfigOptions {
  readonly repos?: readonly RepoConfig[];
  readonly worker?: Partial<WorkerConfig>;
  readonly dataDir?: string;
}

/** A complete runtime config without YAML: what `load-config` would produce for a minimal file. */
export function testConfig(options: TestConfigOptions = {}): DriftdConfig {
  return {
    source: '<test>',
    dataDir: options.dataDir ?? '/nonexistent/driftd-test-data',
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    worker: {
      concurrency: 2,
      lockTtlMs: 30 * MINUTE,
      retryOnce: true,
      taskMaxAgeMs: 360 * MINUTE,
      renewEveryMs: 0,
      stackTimeoutMs: 30 * MINUTE,
      drainGraceMs: 30 * SECOND,
      workDir: '/nonexistent/driftd-test-work',
      ...options.worker,
    },
    repos: options.repos ?? [testRepo('infra', { stacks: ['envs/prod', 'envs/staging'] })],
    tools: {
      cacheDir: '/nonexistent/driftd-test-cache',
      mirrors: { terraform: '', tofu: '', terragrunt: '' },
      defaultVersions: {},
      useSwitchers: false,
      install: false,
    },
    api: { tokens: [], rateLimit: { max: 100, windowMs: MINUTE } },
  };
}
