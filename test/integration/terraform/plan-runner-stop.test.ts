import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerraformPlanRunner } from '../../../src/adapters/terraform/terraform-plan-runner.js';
import {
  isAlive,
  makeWorkspace,
  planRequest,
  readLog,
  type Workspace,
  waitUntil,
} from '../../support/plan-runner-harness.js';
import { repoRoot } from '../../support/terraform-fixtures.js';

// Stops are tested with the stand-in: no real terraform subcommand that driftd runs can be made to hang
// offline on demand (provisioners do not run during plan).
let ws: Workspace;
let runner: TerraformPlanRunner;

beforeEach(() => {
  ws = makeWorkspace();
  runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir, killGraceMs: 300 });
});
afterEach(() => ws.cleanup());

function pids(pidFile: string) {
  const plan = readLog(ws.logFile).find((i) => i.argv?.[0] === 'plan');
  return { plan: plan?.pid ?? -1, grandchild: Number(readFileSync(pidFile, 'utf8')) };
}

describe('TerraformPlanRunner stops the whole process tree', () => {
  it('on timeout: SIGINT is ignored, so SIGKILL after the grace ends terraform and its grandchild', async () => {
    const pidFile = path.join(ws.base, 'grandchild.pid');
    const stack = ws.stack('slow', { sleepMs: 60_000, ignoreSigint: true, grandchildPidFile: pidFile });
    const started = Date.now();
    const outcome = await runner.run(
      planRequest(ws, stack, { timeoutMs: 2_500 }),
      new AbortController().signal,
    );
    const elapsed = Date.now() - started;
    expect(outcome.kind).toBe('timeout');
    expect(outcome.planText).toContain('Terraform has been successfully initialized!');
    expect(elapsed).toBeGreaterThanOrEqual(2_500);
    expect(elapsed).toBeLessThan(10_000);
    const { plan, grandchild } = pids(pidFile);
    expect(await waitUntil(() => !isAlive(plan) && !isAlive(grandchild), 2_000)).toBe(true);
  });

  it('on cancellation: returns canceled and leaves no grandchild behind', async () => {
    const pidFile = path.join(ws.base, 'grandchild.pid');
    const stack = ws.stack('cancel', { sleepMs: 60_000, grandchildPidFile: pidFile });
    const controller = new AbortController();
    const running = runner.run(planRequest(ws, stack), controller.signal);
    expect(await waitUntil(() => readLog(ws.logFile).some((i) => i.argv?.[0] === 'plan'), 10_000)).toBe(true);
    await waitUntil(() => {
      try {
        return readFileSync(pidFile, 'utf8') !== '';
      } catch {
        return false;
      }
    }, 5_000);
    controller.abort();
    const outcome = await running;
    expect(outcome.kind).toBe('canceled');
    const { plan, grandchild } = pids(pidFile);
    expect(await waitUntil(() => !isAlive(plan) && !isAlive(grandchild), 2_000)).toBe(true);
    expect(readLog(ws.logFile).map((i) => i.argv?.[0])).toEqual(['init', 'plan']);
  });

  it('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runner.run(planRequest(ws, ws.stack('x')), controller.signal);
    expect(outcome.kind).toBe('canceled');
    expect(readLog(ws.logFile)).toEqual([]);
  });

  it('when the worker process exits mid-plan, the plan group is killed with it', async () => {
    const pidFile = path.join(ws.base, 'grandchild.pid');
    const stack = ws.stack('orphan', { sleepMs: 60_000, ignoreSigint: true, grandchildPidFile: pidFile });
    const script = path.join(ws.base, 'worker.mts');
    const runnerModule = path.join(repoRoot, 'src/adapters/terraform/terraform-plan-runner.ts');
    writeFileSync(
      script,
      [
        `import { TerraformPlanRunner } from ${JSON.stringify(runnerModule)};`,
        `const runner = new TerraformPlanRunner({ cacheDir: ${JSON.stringify(ws.cacheDir)} });`,
        `void runner.run(${JSON.stringify(planRequest(ws, stack))}, new AbortController().signal);`,
        'setTimeout(() => process.exit(0), 2500);',
      ].join('\n'),
    );
    // A clean env: the child must not inherit vitest's worker settings.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const worker = await execa(path.join(repoRoot, 'node_modules/.bin/tsx'), [script], {
      cwd: repoRoot,
      env,
      extendEnv: false,
      reject: false,
    });
    expect(worker.stderr).toBe('');
    const { plan, grandchild } = pids(pidFile);
    expect(plan).toBeGreaterThan(0);
    expect(await waitUntil(() => !isAlive(plan) && !isAlive(grandchild), 2_000)).toBe(true);
  });
});
