import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/app/main/cli.js';
import type { CommandIO } from '../../../src/app/main/command.js';
import { sharedFixturesDir } from '../../support/terraform-fixtures.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} };
  return { io, out, err };
}

const fixture = (folder: string, file = 'plan.json') => path.join(sharedFixturesDir, folder, file);

describe('driftd classify', () => {
  it('prints the DriftResult and exits 2 for a drifted plan', async () => {
    const { io, out } = capture();
    const code = await main(['classify', fixture('11-tf1.5-drift-plus-code-change')], io);
    expect(code).toBe(2);
    const result = JSON.parse(out.join('\n'));
    expect(result).toMatchObject({ status: 'drifted', kinds: ['drift', 'unapplied'], formatVersion: '1.2' });
    expect(result.resources[0]).toMatchObject({ kind: 'drift_reverted' });
  });

  it('exits 0 in sync', async () => {
    const { io, out } = capture();
    expect(await main(['classify', fixture('25-tf1.7.5-no-op', 'terraform.tfplan.json')], io)).toBe(0);
    expect(JSON.parse(out.join('\n')).status).toBe('in_sync');
  });

  it('exits 1 with the reason for an unusable plan, and for -exit-code 1', async () => {
    const bad = capture();
    expect(await main(['classify', fixture('09-artificial-malformed-json')], bad.io)).toBe(1);
    expect(JSON.parse(bad.out.join('\n')).status).toBe('error');
    expect(bad.err.join('\n')).toContain('not valid JSON');
    const failed = capture();
    const args = ['classify', '-exit-code', '1', fixture('25-tf1.7.5-no-op', 'terraform.tfplan.json')];
    expect(await main(args, failed.io)).toBe(1);
  });

  it('reports a missing file or argument as a usage error', async () => {
    const missing = capture();
    expect(await main(['classify', '/nonexistent/plan.json'], missing.io)).toBe(1);
    expect(missing.err.join('\n')).toContain('cannot read plan file /nonexistent/plan.json (ENOENT)');
    const none = capture();
    expect(await main(['classify'], none.io)).toBe(1);
    expect(none.err.join('\n')).toContain('missing PLAN.json');
  });
});
