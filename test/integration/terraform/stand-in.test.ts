import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorkspace, STANDIN_TERRAFORM, type Workspace } from '../../support/plan-runner-harness.js';

// The stand-in must follow the real CLI contract (terraform-contract.md §12), or runner tests prove nothing.
let ws: Workspace;
let env: Record<string, string>;
const tf = (args: string[], extra: Record<string, string> = {}, cwd = ws.stack('s')) =>
  execa(STANDIN_TERRAFORM, args, {
    cwd,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH!, ...env, ...extra },
  });

beforeEach(() => {
  ws = makeWorkspace();
  env = { TF_DATA_DIR: path.join(ws.base, 'data') };
});
afterEach(() => ws.cleanup());

describe('stand-in terraform', () => {
  it('prints version -json like terraform, and like tofu without terraform_outdated', async () => {
    const terraform = JSON.parse((await tf(['version', '-json'])).stdout);
    expect(terraform).toEqual({
      terraform_version: '1.11.4',
      platform: 'linux_amd64',
      provider_selections: {},
      terraform_outdated: false,
    });
    const tofu = await tf(['-version'], { DRIFTD_STANDIN_PRODUCT: 'tofu', DRIFTD_STANDIN_VERSION: '1.10.2' });
    expect(tofu.stdout.split('\n')[0]).toBe('OpenTofu v1.10.2');
  });

  it('refuses to plan before init, and rejects unknown flags', async () => {
    const plan = await tf(['plan']);
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toContain('Backend initialization required');
    expect((await tf(['init', '-bogus'])).exitCode).toBe(1);
  });

  it('honours -detailed-exitcode, -refresh-only, TF_CLI_ARGS_plan, -no-color and TF_IN_AUTOMATION', async () => {
    const cwd = ws.stack('d');
    expect((await tf(['init', '-input=false'], {}, cwd)).exitCode).toBe(0);
    const drift = { DRIFTD_STANDIN_SCENARIO: 'drift' };
    expect((await tf(['plan', '-no-color'], drift, cwd)).exitCode).toBe(0);
    expect((await tf(['plan', '-detailed-exitcode'], drift, cwd)).exitCode).toBe(2);
    expect(
      (await tf(['plan', '-no-color'], { ...drift, TF_CLI_ARGS_plan: '-detailed-exitcode' }, cwd)).exitCode,
    ).toBe(2);
    const moved = { DRIFTD_STANDIN_SCENARIO: 'moved' };
    expect((await tf(['plan', '-detailed-exitcode'], moved, cwd)).exitCode).toBe(2);
    expect((await tf(['plan', '-detailed-exitcode', '-refresh-only'], moved, cwd)).exitCode).toBe(0);
    const out = path.join(ws.base, 'p.tfplan');
    const human = await tf(['plan', `-out=${out}`], drift, cwd);
    expect(human.stdout).toContain('\u001b[1m');
    expect(human.stdout).toContain('Saved the plan to');
    const automated = await tf(
      ['plan', '-no-color', `-out=${out}`],
      { ...drift, TF_IN_AUTOMATION: '1' },
      cwd,
    );
    expect(automated.stdout).not.toContain('\u001b');
    expect(automated.stdout).not.toContain('Saved the plan');
    const show = await tf(['show', '-json', out], {}, cwd);
    expect(show.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(show.stdout).resource_drift[0].change.actions).toEqual(['update']);
  });
});
