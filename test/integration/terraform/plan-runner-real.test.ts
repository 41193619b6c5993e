import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerraformPlanRunner } from '../../../src/adapters/terraform/terraform-plan-runner.js';
import { classifyPlan } from '../../../src/domain/classify-plan.js';
import type { PlanRequest } from '../../../src/ports/plan-runner.port.js';

const TERRAFORM = '/usr/local/bin/terraform';
const hasTerraform = existsSync(TERRAFORM);
if (!hasTerraform) console.warn(`[skip] real terraform tests: ${TERRAFORM} not found`);

// No user CLI config (plugin mirrors, credentials) and no network: terraform_data is built in.
const CLI_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };
const APPLIED =
  'resource "terraform_data" "a" {\n  input = "one"\n}\n\noutput "value" {\n  value = terraform_data.a.output\n}\n';

describe.runIf(hasTerraform)('TerraformPlanRunner against the real terraform', () => {
  let base: string;
  let n = 0;
  let runner: TerraformPlanRunner;

  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'driftd-realtf-'));
    runner = new TerraformPlanRunner({ cacheDir: path.join(base, 'cache'), killGraceMs: 2_000 });
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /**
   * Test scaffolding only: makes a stack whose local state matches APPLIED by running the real
   * `terraform apply` here. driftd itself never runs apply.
   */
  async function appliedStack(): Promise<string> {
    n += 1;
    const dir = path.join(base, 'repo', `stack${n}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'main.tf'), APPLIED);
    const env = { ...CLI_ENV, TF_DATA_DIR: path.join(base, `setup${n}`) };
    await execa(TERRAFORM, ['init', '-input=false', '-no-color'], { cwd: dir, env });
    await execa(TERRAFORM, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env });
    return dir;
  }

  function request(stackDir: string, overrides: Partial<PlanRequest> = {}): PlanRequest {
    const scratchDir = path.join(base, 'scratch', path.basename(stackDir));
    mkdirSync(scratchDir, { recursive: true });
    return {
      repoRoot: path.join(base, 'repo'),
      stackDir,
      tool: { main: { name: 'terraform', version: '1.11.4', path: TERRAFORM, source: 'PATH' } },
      lockState: false,
      timeoutMs: 60_000,
      scratchDir,
      env: CLI_ENV,
      ...overrides,
    };
  }

  const run = (r: PlanRequest) => runner.run(r, new AbortController().signal);

  it('state matching the config: exit 0, in_sync; TF_DATA_DIR kept in the scratch dir', async () => {
    const stack = await appliedStack();
    const r = request(stack);
    const outcome = await run(r);
    expect(outcome).toMatchObject({ kind: 'planned', exitCode: 0 });
    if (outcome.kind !== 'planned') return;
    expect(outcome.planText).toContain('No changes.');
    const result = classifyPlan({ planJson: outcome.planJson, exitCode: outcome.exitCode });
    expect(result).toMatchObject({ status: 'in_sync', kinds: [], formatVersion: '1.2' });
    expect(existsSync(path.join(r.scratchDir, 'tf-data'))).toBe(true);
    expect(existsSync(path.join(stack, '.terraform'))).toBe(false);
  });

  it('config changed: exit 2, drifted with an unapplied update of `input`', async () => {
    const stack = await appliedStack();
    writeFileSync(path.join(stack, 'main.tf'), APPLIED.replace('"one"', '"two"'));
    const outcome = await run(request(stack));
    expect(outcome).toMatchObject({ kind: 'planned', exitCode: 2 });
    if (outcome.kind !== 'planned') return;
    const result = classifyPlan({ planJson: outcome.planJson, exitCode: outcome.exitCode });
    expect(result.kinds).toEqual(['unapplied']);
    const entry = result.resources.find((e) => e.address === 'terraform_data.a');
    expect(entry).toMatchObject({ kind: 'unapplied' });
    expect(entry?.changedAttributes).toContain('input');
    expect(result.summary.outputs).toBe(1);
  });

  it('a moved block only: exit 2, drifted as an unapplied move', async () => {
    const stack = await appliedStack();
    const moved = APPLIED.replaceAll('terraform_data" "a"', 'terraform_data" "b"').replace(
      'terraform_data.a.output',
      'terraform_data.b.output',
    );
    writeFileSync(
      path.join(stack, 'main.tf'),
      `${moved}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\n`,
    );
    const outcome = await run(request(stack));
    expect(outcome).toMatchObject({ kind: 'planned', exitCode: 2 });
    if (outcome.kind !== 'planned') return;
    const result = classifyPlan({ planJson: outcome.planJson, exitCode: outcome.exitCode });
    expect(result.kinds).toEqual(['unapplied']);
    expect(result.resources).toEqual([
      {
        address: 'terraform_data.b',
        previousAddress: 'terraform_data.a',
        actions: ['no-op'],
        kind: 'move',
        changedAttributes: [],
      },
    ]);
  });

  it('an invalid config: a failed plan whose diagnostic is kept', async () => {
    const stack = await appliedStack();
    writeFileSync(path.join(stack, 'main.tf'), 'resource "terraform_data" "a" {\n  input = var.nope\n}\n');
    const outcome = await run(request(stack));
    expect(outcome).toMatchObject({ kind: 'failed', exitCode: 1, transient: false });
    if (outcome.kind !== 'failed') return;
    const result = classifyPlan({
      planJson: outcome.planJson ?? null,
      exitCode: 1,
      diagnosticsText: outcome.planText,
    });
    expect(result.status).toBe('error');
    expect(result.error).toContain('Reference to undeclared input variable');
    expect(result.diagnostics[0]).toMatchObject({ severity: 'error', file: 'main.tf', line: 2 });
  });

  it('a run stopped by its timeout is reported as a timeout, promptly', async () => {
    const stack = await appliedStack();
    const started = Date.now();
    const outcome = await run(request(stack, { timeoutMs: 150 }));
    expect(outcome.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
