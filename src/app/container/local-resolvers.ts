import { asFunction } from 'awilix';
import { GitRepoSource } from '../../adapters/git/index.js';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

/**
 * Local execution for processes that run jobs or start tasks: git (RepoSource). The tool resolver
 * (`toolResolver`), the terraform plan runner (`planRunner`) and the fs result store (`resultStore`) are
 * registered here by the integrator once their adapters land.
 */
export function localResolvers(config: DriftdConfig): Resolvers {
  return {
    repoSource: asFunction(
      ({ logger, clock, env }: Cradle) =>
        new GitRepoSource({
          cacheDir: config.worker.workDir,
          logger: logger.child({ component: 'git' }),
          clock,
          env,
        }),
    ).singleton(),
  };
}
