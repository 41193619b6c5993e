import { DriftdError } from '../../domain/errors.js';
import { loadConfigFile } from '../config/load-config.js';
import type { DriftdConfig } from '../config/types.js';
import type { CommandArgs, CommandIO } from './command.js';

/** Config loading shared by commands: `-config` (or `$DRIFTD_CONFIG`) plus the `-log-level` override. */

const LOG_LEVELS: readonly DriftdConfig['logLevel'][] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** The config path, or a usage error naming the flag. */
export function configPathOf(args: CommandArgs, io: CommandIO): string {
  const path = args.config ?? io.env.DRIFTD_CONFIG;
  if (path === undefined || path === '') {
    throw new DriftdError('DRIFTD_INVALID_INPUT', 'missing -config FILE (or set DRIFTD_CONFIG)');
  }
  return path;
}

/** Loads and validates the config (throws `DRIFTD_CONFIG_INVALID`), then applies `-log-level`. */
export async function loadCommandConfig(args: CommandArgs, io: CommandIO): Promise<DriftdConfig> {
  const level = args.logLevel;
  if (level !== undefined && !LOG_LEVELS.includes(level as DriftdConfig['logLevel'])) {
    throw new DriftdError('DRIFTD_INVALID_INPUT', `-log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const config = await loadConfigFile(configPathOf(args, io), io.env);
  if (level === undefined) return config;
  return Object.freeze({ ...config, logLevel: level as DriftdConfig['logLevel'] });
}
