import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerraformPlanRunner } from '../../../src/adapters/terraform/terraform-plan-runner.js';
import { classifyPlan } from '../../../src/domain/classify-plan.js';
import { isDriftdError } from '../../../src/domain/errors.js';
import {
  makeWorkspace,
  planRequest,
  readLog,
  standinTool,
  type Workspace,
} from '../../support/plan-runner-harness.js';

let ws: Workspace;
let runner: TerraformPlanRunner;
const never = () => new AbortController().signal;
const subcommands = () => readLog(ws.logFile).flatMap((i) => (i.argv ? [i.argv[0]] : []));

beforeEach(() => {
  ws = makeWorkspace();
  runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir, killGraceMs: 300 });
});
afterEach(() => ws.cleanup());

describe('TerraformPlanRunner against the stand-in terraform', () => {
  it('runs only init, plan and show, with the contract flags and environment', async () => {
    const stack = ws.stack('envs/prod', { scenario: 'in_sync' });
    const request = planRequest(ws, stack);
    const outcome = await runner.run(request, never());
    expect(outcome.kind).toBe('planned');
    if (outcome.kind !== 'planned') return;
    expect(outcome.exitCode).toBe(0);
    expect(classifyPlan({ planJson: outcome.planJson, exitCode: outcome.exitCode }).status).toBe('in_sync');
    expect(outcome.planText).toContain('No changes.');
    const log = readLog(ws.logFile);
    const planFile = path.join(request.scratchDir, 'plan.tfplan');
    expect(log.map((i) => i.argv)).toEqual([
      ['init', '-input=false', '-no-color'],
      ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false', `-out=${planFile}`],
      ['show', '-json', planFile],
    ]);
    for (const entry of log) {
      expect(entry.cwd).toBe(stack);
      expect(entry.env).toMatchObject({
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        CHECKPOINT_DISABLE: '1',
        TF_DATA_DIR: path.join(request.scratchDir, 'tf-data'),
        TF_PLUGIN_CACHE_DIR: path.join(ws.cacheDir, 'terraform', 'plugins'),
      });
    }
    expect(existsSync(path.join(ws.cacheDir, 'terraform', 'plugins'))).toBe(true);
  });

  it('reports exit 2 and a drifted JSON plan; passes -lock=true when asked', async () => {
    const stack = ws.stack('drifted', { scenario: 'drift' });
    const outcome = await runner.run(planRequest(ws, stack, { lockState: true }), never());
    expect(outcome).toMatchObject({ kind: 'planned', exitCode: 2 });
    if (outcome.kind !== 'planned') return;
    expect(classifyPlan({ planJson: outcome.planJson, exitCode: 2 }).kinds).toEqual(['drift']);
    expect(readLog(ws.logFile)[1]?.argv).toContain('-lock=true');
  });

  it('scrubs TF_CLI_ARGS*, TF_WORKSPACE, TF_LOG* and DRIFTD_* from the parent env; keeps deliberate extras', async () => {
    const injected = {
      TF_CLI_ARGS: '-refresh=false',
      TF_CLI_ARGS_plan: '-target=x',
      TF_WORKSPACE: 'other',
      TF_LOG: 'TRACE',
      TF_LOG_PATH: '/tmp/tf.log',
      DRIFTD_WEBHOOK_SECRET: 'do-not-leak',
      TF_VAR_from_parent: 'kept',
    };
    Object.assign(process.env, injected);
    try {
      runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir, extraEnv: { TF_VAR_operator: 'op' } });
      const stack = ws.stack('env');
      const request = planRequest(ws, stack, {
        env: { DRIFTD_STANDIN_LOG: ws.logFile, TF_LOG: 'DEBUG', TF_VAR_req: 'r' },
      });
      expect((await runner.run(request, never())).kind).toBe('planned');
    } finally {
      for (const key of Object.keys(injected)) delete process.env[key];
    }
    for (const entry of readLog(ws.logFile)) {
      const keys = Object.keys(entry.env ?? {});
      expect(keys.filter((k) => /^TF_CLI_ARGS|^TF_WORKSPACE$|^TF_LOG/.test(k))).toEqual([]);
      expect(entry.env).toMatchObject({ TF_VAR_from_parent: 'kept', TF_VAR_operator: 'op', TF_VAR_req: 'r' });
    }
    expect(readFileSync(ws.logFile, 'utf8')).not.toContain('do-not-leak');
  });

  it('gives every job its own TF_DATA_DIR', async () => {
    const a = planRequest(ws, ws.stack('a'));
    const b = planRequest(ws, ws.stack('b'));
    await Promise.all([runner.run(a, never()), runner.run(b, never())]);
    const dirs = new Set(readLog(ws.logFile).map((i) => i.env?.TF_DATA_DIR));
    expect(dirs).toEqual(new Set([path.join(a.scratchDir, 'tf-data'), path.join(b.scratchDir, 'tf-data')]));
    for (const r of [a, b])
      expect(existsSync(path.join(r.scratchDir, 'tf-data', 'stand-in-init.json'))).toBe(true);
  });

  it.each([
    ['a backend error', 'backend', false],
    ['a registry network error', 'network', true],
  ])('reports a failed init on %s and never plans', async (_n, initFail, transient) => {
    const outcome = await runner.run(planRequest(ws, ws.stack('broken', { initFail })), never());
    expect(outcome).toMatchObject({ kind: 'failed', stage: 'init', exitCode: 1, transient });
    expect(subcommands()).toEqual(['init']);
  });

  it('keeps the diagnostics of a failed plan, and the partial JSON plan when one was written', async () => {
    const failed = await runner.run(planRequest(ws, ws.stack('error', { scenario: 'error' })), never());
    expect(failed).toMatchObject({ kind: 'failed', stage: 'plan', exitCode: 1, transient: false });
    if (failed.kind !== 'failed') return;
    expect(failed.planJson).toBeUndefined();
    const result = classifyPlan({ planJson: null, exitCode: 1, diagnosticsText: failed.planText });
    expect(result.error).toContain('Reference to undeclared input variable');

    const errored = await runner.run(planRequest(ws, ws.stack('errored', { scenario: 'errored' })), never());
    expect(errored).toMatchObject({ kind: 'failed', stage: 'plan' });
    if (errored.kind !== 'failed') return;
    expect(JSON.parse(errored.planJson!).errored).toBe(true);
  });

  it('reports a show that prints no JSON document as a failed show', async () => {
    const outcome = await runner.run(planRequest(ws, ws.stack('bad', { scenario: 'malformed' })), never());
    expect(outcome).toMatchObject({ kind: 'failed', stage: 'show' });
  });

  it('throws DRIFTD_TOOL_UNAVAILABLE when the binary cannot start, DRIFTD_UNSAFE_PATH outside the repo', async () => {
    const stack = ws.stack('x');
    const missing = planRequest(ws, stack, { tool: standinTool(path.join(ws.base, 'no-such-terraform')) });
    await expect(runner.run(missing, never())).rejects.toSatisfy((e) =>
      isDriftdError(e, 'DRIFTD_TOOL_UNAVAILABLE'),
    );
    const outside = planRequest(ws, ws.base);
    await expect(runner.run(outside, never())).rejects.toSatisfy((e) =>
      isDriftdError(e, 'DRIFTD_UNSAFE_PATH'),
    );
  });
});
