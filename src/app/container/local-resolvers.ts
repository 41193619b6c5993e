import { asFunction } from 'awilix';
import { GitRepoSource } from '../../adapters/git/index.js';
import { TerraformPlanRunner } from '../../adapters/terraform/terraform-plan-runner.js';
import { NativeToolResolver } from '../../adapters/versions/index.js';
import type { DriftdConfig, ToolKey } from '../config/types.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

/** Configured mirrors only: an empty entry means "the official release site", which is the adapter's default. */
function mirrorsOf(config: DriftdConfig): Partial<Record<ToolKey, string>> {
  return Object.fromEntries(Object.entries(config.tools.mirrors).filter(([, url]) => url !== ''));
}

/**
 * Local execution, for processes that start tasks or run jobs: git checkouts (mirrors and work dirs under
 * `worker.work_dir`), tool versions (shared binary cache under `tools.cache_dir`) and the read-only
 * terraform/terragrunt plan runner.
 */
export function localResolvers(config: DriftdConfig): Resolvers {
  const { tools, worker } = config;
  return {
    repoSource: asFunction(
      ({ logger, clock, env }: Cradle) =>
        new GitRepoSource({
          cacheDir: worker.workDir,
          logger: logger.child({ component: 'git' }),
          clock,
          env,
        }),
    ).singleton(),
    toolResolver: asFunction(
      ({ runtimeMetrics }: Cradle) =>
        new NativeToolResolver({
          cacheDir: tools.cacheDir,
          mirrors: mirrorsOf(config),
          defaultVersions: tools.defaultVersions,
          useSwitchers: tools.useSwitchers,
          install: tools.install,
          onInstall: (tool) => runtimeMetrics.toolInstalled(tool),
          onCacheHit: (tool) => runtimeMetrics.toolCacheHit(tool),
        }),
    ).singleton(),
    planRunner: asFunction(() => new TerraformPlanRunner({ cacheDir: tools.cacheDir })).singleton(),
  };
}
