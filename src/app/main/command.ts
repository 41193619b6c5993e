import type { Env } from '../config/env-refs.js';

/**
 * What a `driftd <command>` is: cli.ts parses the flags (common ones plus the command's own) and
 * calls `run`. Commands write through `io` only, so tests run them in-process with captured output.
 */

export interface CommandIO {
  /** Writes one line (a newline is added). */
  stdout(line: string): void;
  stderr(line: string): void;
  readonly env: Env;
  /**
   * Long-running commands (serve, worker) shut down gracefully when this aborts. Absent: on SIGTERM/SIGINT.
   * Tests pass their own to stop an in-process `main`.
   */
  readonly shutdown?: AbortSignal;
}

export interface CommandFlag {
  /** Without dashes: `config`, `log-level`. Accepted as `-name`, `--name`, `-name=value`, `--name=value`. */
  readonly name: string;
  /** Placeholder for the value (`FILE`); absent for a boolean flag. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandArgs {
  /** `-config FILE`, else `$DRIFTD_CONFIG`; see `configPathOf`. */
  readonly config?: string;
  /** `-log-level LEVEL`, applied over the config's `log_level`. */
  readonly logLevel?: string;
  /** The command's own flags by name: the value, or `true` for a boolean flag. */
  readonly flags: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  /** One line for `driftd --help`. */
  readonly summary: string;
  /** Synopsis lines for `driftd <name> --help`, e.g. `driftd validate -config FILE`. */
  readonly usage: string;
  /** Flags beyond the common `-config`, `-log-level` and `-help`. */
  readonly flags?: readonly CommandFlag[];
  /** How many positional arguments the command accepts (default 0: any is a usage error). */
  readonly maxPositionals?: number;
  /** Returns the exit code. Throw `DriftdError` for failures: cli.ts prints its message, no stack. */
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

/** Flags every command accepts. */
export const COMMON_FLAGS: readonly CommandFlag[] = [
  { name: 'config', value: 'FILE', description: 'config file (default: $DRIFTD_CONFIG)' },
  {
    name: 'log-level',
    value: 'LEVEL',
    description: 'override log_level: fatal|error|warn|info|debug|trace|silent',
  },
  { name: 'help', description: 'show this help (also -h)' },
];
