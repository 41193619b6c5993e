import { readFile } from 'node:fs/promises';
import { isDriftdError } from '../../domain/errors.js';
import type { Command, CommandIO } from './command.js';
import { classifyCommand } from './commands/classify.js';
import { scanCommand } from './commands/scan.js';
import { serveCommand } from './commands/serve.js';
import { validateCommand } from './commands/validate.js';
import { workerCommand } from './commands/worker.js';
import { commandHelp, parseCommandArgs, splitFlag } from './parse-args.js';

/**
 * `driftd <command> [flags]`. bin/driftd imports the built module and calls `main(process.argv.slice(2))`.
 * Exit codes: 0 ok, 1 usage error or failure (message on stderr, never a stack trace).
 */

/** The command registry, in help order. To add a command: create commands/<name>.ts and add one line. */
const COMMANDS: readonly Command[] = [
  serveCommand, // driftd serve -config FILE
  workerCommand, // driftd worker -config FILE [-metrics-addr HOST:PORT]
  scanCommand, // driftd scan -config FILE [-repo NAME] [-stack PATH] [-json]
  validateCommand, // driftd validate -config FILE
  classifyCommand, // driftd classify PLAN.json
];

function processIO(): CommandIO {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}

async function packageVersion(): Promise<string> {
  // Same relative location from src/app/main and dist/app/main.
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function globalHelp(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return [
    'driftd: drift detection for Terraform, Terragrunt and OpenTofu',
    '',
    'Usage: driftd <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Flags: --help, --version. Run "driftd <command> --help" for a command\'s flags.',
    'Flags take one or two dashes: -config FILE, --config FILE, --config=FILE.',
  ];
}

function usageFailure(io: CommandIO, message: string, hint = 'driftd --help'): number {
  io.stderr(`driftd: ${message}`);
  io.stderr(`Run "${hint}" for usage.`);
  return 1;
}

async function runCommand(command: Command, argv: readonly string[], io: CommandIO): Promise<number> {
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, argv);
  } catch (e) {
    return usageFailure(io, (e as Error).message, `driftd ${command.name} --help`);
  }
  if (parsed.help) {
    for (const line of commandHelp(command)) io.stdout(line);
    return 0;
  }
  try {
    return await command.run(parsed.args, io);
  } catch (e) {
    if (isDriftdError(e, 'DRIFTD_INVALID_INPUT'))
      return usageFailure(io, e.message, `driftd ${command.name} --help`);
    io.stderr(`driftd ${command.name}: ${e instanceof Error ? e.message : String(e)}`);
    if (io.env.DRIFTD_DEBUG === '1' && e instanceof Error && e.stack) io.stderr(e.stack);
    return 1;
  }
}

export async function main(argv: readonly string[], io: CommandIO = processIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    for (const line of globalHelp()) io.stderr(line);
    return 1;
  }
  const flag = splitFlag(first);
  if (flag !== null && flag.inline === undefined && ['help', 'h'].includes(flag.name)) {
    for (const line of globalHelp()) io.stdout(line);
    return 0;
  }
  if (flag !== null && flag.inline === undefined && flag.name === 'version') {
    io.stdout(`driftd ${await packageVersion()}`);
    return 0;
  }
  if (flag !== null) return usageFailure(io, `unknown flag ${first} (flags go after the command)`);
  if (first === 'help') return main(rest.length > 0 ? [rest[0]!, '--help'] : ['--help'], io);
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) return usageFailure(io, `unknown command "${first}"`);
  return runCommand(command, rest, io);
}
