import { DriftdError } from '../../domain/errors.js';
import { COMMON_FLAGS, type Command, type CommandArgs, type CommandFlag } from './command.js';

/**
 * Go-style flags, as the spec writes them (`-config FILE`), plus the GNU forms (`--config FILE`,
 * `--config=FILE`). `-h` is help; `--` ends the flags.
 */

export interface ParsedCommandLine {
  readonly args: CommandArgs;
  readonly help: boolean;
}

function usageError(message: string): DriftdError {
  return new DriftdError('DRIFTD_INVALID_INPUT', message);
}

/** `--config=x` → `{ name: 'config', inline: 'x' }`; null when the token is not a flag. */
export function splitFlag(token: string): { name: string; inline?: string } | null {
  if (!token.startsWith('-') || token === '-' || token === '--') return null;
  const body = token.startsWith('--') ? token.slice(2) : token.slice(1);
  const eq = body.indexOf('=');
  return eq < 0 ? { name: body } : { name: body.slice(0, eq), inline: body.slice(eq + 1) };
}

function readValue(flag: CommandFlag, inline: string | undefined, rest: string[]): string | true {
  if (flag.value === undefined) {
    if (inline === undefined || inline === 'true') return true;
    throw usageError(`flag -${flag.name} takes no value`);
  }
  const value = inline ?? rest.shift();
  if (value === undefined) throw usageError(`flag -${flag.name} needs a value (${flag.value})`);
  return value;
}

export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedCommandLine {
  const known = [...COMMON_FLAGS, ...(command.flags ?? [])];
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  const rest = [...argv];
  while (rest.length > 0) {
    const token = rest.shift()!;
    if (token === '--') {
      positionals.push(...rest.splice(0));
      break;
    }
    const split = splitFlag(token);
    if (split === null) {
      positionals.push(token);
      continue;
    }
    const name = split.name === 'h' ? 'help' : split.name;
    const flag = known.find((f) => f.name === name);
    if (!flag) throw usageError(`unknown flag ${token.split('=')[0]} for "driftd ${command.name}"`);
    values[name] = readValue(flag, split.inline, rest);
  }
  const max = command.maxPositionals ?? 0;
  if (positionals.length > max && values.help === undefined) {
    throw usageError(`unexpected argument "${positionals[max]}" for "driftd ${command.name}"`);
  }
  const { config, 'log-level': logLevel, help, ...flags } = values;
  return {
    help: help === true,
    args: {
      ...(typeof config === 'string' ? { config } : {}),
      ...(typeof logLevel === 'string' ? { logLevel } : {}),
      flags,
      positionals,
    },
  };
}

/** `driftd <name> --help` text. */
export function commandHelp(command: Command): string[] {
  const flags = [...(command.flags ?? []), ...COMMON_FLAGS];
  const left = flags.map((f) => `  -${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    '',
    'Flags (one or two dashes; -flag=value also works):',
    ...flags.map((f, i) => `${left[i]!.padEnd(width)}${f.description}`),
  ];
}
