/**
 * `driftd` for child processes in tests, straight from the TypeScript sources (no build):
 * `node --import tsx test/support/driftd-entry.ts serve -config FILE`.
 */
import { main } from '../../src/app/main/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`driftd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
