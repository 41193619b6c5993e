import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertReadOnly, ensureGuardScript } from '../../../src/adapters/terraform/read-only-guard.js';
import { TerraformPlanRunner } from '../../../src/adapters/terraform/terraform-plan-runner.js';
import { classifyPlan } from '../../../src/domain/classify-plan.js';
import {
  makeWorkspace,
  planRequest,
  readLog,
  STANDIN_TERRAFORM,
  STANDIN_TERRAGRUNT,
  type Workspace,
} from '../../support/plan-runner-harness.js';

let ws: Workspace;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(() => ws.cleanup());

const WRITE_COMMANDS = [
  ['apply', '-auto-approve'],
  ['destroy', '-auto-approve'],
  ['import', 'a.b', 'id'],
  ['state', 'rm', 'a.b'],
  ['taint', 'a.b'],
  ['untaint', 'a.b'],
  ['force-unlock', '-force', 'id'],
  ['console'],
  ['refresh'],
  ['workspace', 'select', 'x'],
  ['output', '-json'],
  ['-chdir=/tmp', 'apply'],
  [],
];

describe('read-only guard', () => {
  it.each(WRITE_COMMANDS.map((c) => [c.join(' ') || '(no subcommand)', c]))(
    'assertReadOnly refuses %s',
    (_n, args) => {
      expect(() => assertReadOnly(args as string[])).toThrow(/plan-only/);
    },
  );

  it('assertReadOnly allows init, plan, show and version', () => {
    for (const args of [
      ['init'],
      ['plan', '-out=x'],
      ['show', '-json', 'x'],
      ['version'],
      ['-version'],
      ['-chdir=a', 'plan'],
    ]) {
      expect(() => assertReadOnly(args)).not.toThrow();
    }
  });

  it.each(WRITE_COMMANDS.map((c) => [c.join(' ') || '(no subcommand)', c]))(
    'the guard script refuses %s with exit 1 and never runs the binary',
    async (_n, args) => {
      const guard = await ensureGuardScript(ws.cacheDir, STANDIN_TERRAFORM);
      const result = await execa(guard, args as string[], {
        reject: false,
        env: { DRIFTD_STANDIN_LOG: ws.logFile },
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/driftd read-only guard: refusing/);
      expect(readLog(ws.logFile)).toEqual([]);
    },
  );

  it('the guard passes read-only subcommands through with their exit code and output', async () => {
    const guard = await ensureGuardScript(ws.cacheDir, STANDIN_TERRAFORM);
    expect(path.dirname(guard)).toBe(path.join(ws.cacheDir, 'terraform', 'guard'));
    const version = await execa(guard, ['version', '-json'], { reject: false });
    expect(JSON.parse(version.stdout).terraform_version).toBe('1.11.4');
    const plan = await execa(guard, ['plan'], { reject: false, cwd: ws.stack('x') });
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toContain('Backend initialization required');
    expect(await ensureGuardScript(ws.cacheDir, STANDIN_TERRAFORM)).toBe(guard);
  });
});

describe('TerraformPlanRunner through terragrunt', () => {
  const tool = {
    main: { name: 'terragrunt' as const, version: '0.80.0', path: STANDIN_TERRAGRUNT, source: 'test' },
    iac: { name: 'terraform' as const, version: '1.11.4', path: STANDIN_TERRAFORM, source: 'test' },
  };

  it('runs init/plan/show through the guard with terragrunt non-interactive settings', async () => {
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const request = planRequest(ws, ws.stack('unit', { scenario: 'update' }), { tool });
    const outcome = await runner.run(request, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'planned', exitCode: 2 });
    if (outcome.kind !== 'planned') return;
    expect(classifyPlan({ planJson: outcome.planJson, exitCode: 2 }).kinds).toEqual(['unapplied']);
    const log = readLog(ws.logFile);
    const downloadDir = path.join(ws.cacheDir, 'terragrunt', 'download');
    const tg = log.filter((i) => i.terragrunt);
    expect(tg.map((i) => i.terragrunt?.[0])).toEqual(['init', 'plan', 'show']);
    expect(tg[0]?.terragrunt).toEqual(
      expect.arrayContaining(['--non-interactive', '--download-dir', downloadDir]),
    );
    expect(tg[0]?.terragrunt?.[tg[0].terragrunt.indexOf('--tf-path') + 1]).toMatch(
      /tf-guard-[0-9a-f]+\.mjs$/,
    );
    expect(tg[0]?.env).toEqual({ TG_NON_INTERACTIVE: 'true', TG_DOWNLOAD_DIR: downloadDir });
    expect(log.filter((i) => i.argv).map((i) => i.argv?.[0])).toEqual(['init', 'plan', 'show']);
  });

  it('uses the old --terragrunt-* flags before v0.73', async () => {
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const old = { ...tool, main: { ...tool.main, version: '0.55.1' } };
    await runner.run(planRequest(ws, ws.stack('old'), { tool: old }), new AbortController().signal);
    const first = readLog(ws.logFile).find((i) => i.terragrunt)?.terragrunt ?? [];
    expect(first).toEqual(expect.arrayContaining(['--terragrunt-non-interactive', '--terragrunt-tfpath']));
  });

  it('a terragrunt that tries to apply is refused by the guard; terraform never sees it', async () => {
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const request = planRequest(ws, ws.stack('sneaky'), {
      tool,
      env: { DRIFTD_STANDIN_LOG: ws.logFile, DRIFTD_STANDIN_TG_SNEAK: 'apply' },
    });
    expect((await runner.run(request, new AbortController().signal)).kind).toBe('planned');
    const log = readLog(ws.logFile);
    const sneaks = log.filter((i) => i.sneak === 'apply');
    expect(sneaks.length).toBe(3);
    for (const s of sneaks) {
      expect(s.status).toBe(1);
      expect(s.stderr).toContain('refusing "apply"');
    }
    expect(log.filter((i) => i.argv).map((i) => i.argv?.[0])).toEqual(['init', 'plan', 'show']);
  });
});
