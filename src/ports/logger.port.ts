/**
 * A pino-compatible logger subset. Ids go in bindings (`child({ taskId, jobId })`), never in the
 * message text. Plan output, tokens and the config are never logged.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
