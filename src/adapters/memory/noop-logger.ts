import type { Logger } from '../../ports/logger.port.js';

/** The library's default logger: drops everything (the library never writes to the console). */
export class NoopLogger implements Logger {
  debug(_obj: object, _msg?: string): void {}
  info(_obj: object, _msg?: string): void {}
  warn(_obj: object, _msg?: string): void {}
  error(_obj: object, _msg?: string): void {}
  child(_bindings: Record<string, unknown>): Logger {
    return this;
  }
}
