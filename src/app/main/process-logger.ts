import pino, { type Logger as PinoLogger } from 'pino';
import { HTTP_LOG_REDACT_PATHS } from '../../adapters/http/build-http-app.js';
import type { DriftdConfig } from '../config/types.js';
import type { CommandIO } from './command.js';

/**
 * Credentials never reach the logs: the HTTP adapter's header paths plus anything called a token,
 * password, secret or private key at the top level or one level down (`{ redis: { password } }`),
 * plan text (`planText`), and the config object itself.
 */
export const PROCESS_LOG_REDACT_PATHS: readonly string[] = [
  ...HTTP_LOG_REDACT_PATHS,
  ...['token', 'password', 'secret', 'privateKey', 'authorization', 'planText', 'config'].flatMap((key) => [
    key,
    `*.${key}`,
  ]),
  'api.tokens',
  'redis.password',
  'env',
];

/**
 * The one pino logger of a serve/worker/scan process: JSON lines on stderr (stdout carries the startup
 * line and command output), at the config's `log_level` (after `--log-level`), with `process` in the
 * bindings. Fastify uses it as its `loggerInstance`; the container gets it as the Logger port.
 */
export function createProcessLogger(
  config: Pick<DriftdConfig, 'logLevel'>,
  io: CommandIO,
  process: 'serve' | 'worker' | 'scan',
): PinoLogger {
  const destination = { write: (line: string) => io.stderr(line.endsWith('\n') ? line.slice(0, -1) : line) };
  return pino(
    {
      level: config.logLevel,
      base: { process, pid: globalThis.process.pid },
      redact: { paths: [...PROCESS_LOG_REDACT_PATHS], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
