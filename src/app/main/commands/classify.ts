import { readFile } from 'node:fs/promises';
import { classifyPlan } from '../../../domain/classify-plan.js';
import { DriftdError } from '../../../domain/errors.js';
import type { Command } from '../command.js';

/**
 * `driftd classify PLAN.json [-exit-code N]`: the DriftResult of one `show -json` plan, as JSON on
 * stdout, so users can see why a stack got its verdict. Exit 0 in sync, 2 drifted, 1 error.
 */

const EXIT_BY_STATUS = { in_sync: 0, drifted: 2, error: 1 } as const;

function parseExitCode(value: string | true | undefined): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new DriftdError(
      'DRIFTD_INVALID_INPUT',
      'flag -exit-code needs a number (the plan -detailed-exitcode result)',
    );
  }
  return Number(value);
}

async function readPlan(file: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? 'read error';
    throw new DriftdError('DRIFTD_INVALID_INPUT', `cannot read plan file ${file} (${reason})`);
  }
}

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'Classify a JSON plan (terraform show -json) and print the DriftResult.',
  usage: 'driftd classify PLAN.json [-exit-code N]   (PLAN.json may be - for stdin)',
  maxPositionals: 1,
  flags: [
    {
      name: 'exit-code',
      value: 'N',
      description: 'the plan -detailed-exitcode result (0, 1, 2); 1 makes the verdict an error',
    },
  ],
  async run(args, io) {
    const file = args.positionals[0];
    if (file === undefined) throw new DriftdError('DRIFTD_INVALID_INPUT', 'missing PLAN.json argument');
    const exitCode = parseExitCode(args.flags['exit-code']);
    const result = classifyPlan({ planJson: await readPlan(file), exitCode });
    io.stdout(JSON.stringify(result, null, 2));
    if (result.status === 'error') io.stderr(`driftd classify: ${result.error}`);
    return EXIT_BY_STATUS[result.status];
  },
};
