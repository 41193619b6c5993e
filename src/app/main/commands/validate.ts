import { isDriftdError } from '../../../domain/errors.js';
import type { DriftdConfig } from '../../config/types.js';
import type { Command } from '../command.js';
import { configPathOf, loadCommandConfig } from '../command-config.js';

/** `driftd validate -config FILE`: every problem on stderr (exit 1), or a one-line summary (exit 0). */

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summarizeConfig(config: DriftdConfig): string {
  const redis = config.redis ? `redis ${config.redis.addr}` : 'embedded (no redis)';
  const tokens = config.api.tokens.length;
  const auth = tokens === 0 ? '0 api tokens (api auth off)' : plural(tokens, 'api token');
  return `${config.source}: ok — ${plural(config.repos.length, 'repo')}, ${redis}, ${auth}`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check a config file and print a one-line summary, or every problem with its line.',
  usage: 'driftd validate -config FILE',
  async run(args, io) {
    const file = configPathOf(args, io);
    try {
      io.stdout(summarizeConfig(await loadCommandConfig(args, io)));
      return 0;
    } catch (e) {
      if (!isDriftdError(e, 'DRIFTD_CONFIG_INVALID')) throw e;
      const problems = (e.details?.problems as readonly string[] | undefined) ?? [e.message];
      for (const line of problems) io.stderr(line);
      io.stderr(`${file}: ${plural(problems.length, 'problem')}`);
      return 1;
    }
  },
};
