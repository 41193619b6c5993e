import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerraformPlanRunner } from '../../../src/adapters/terraform/terraform-plan-runner.js';
import {
  makeWorkspace,
  planRequest,
  readLog,
  STANDIN_TERRAFORM,
  type Workspace,
} from '../../support/plan-runner-harness.js';

// The stand-in's init holds `.stand-in-installing` in the plugin cache for `initSleepMs` and records
// any overlap in `stand-in-concurrent-inits.log` (and fails), like a torn provider install would.
let ws: Workspace;
const plugins = () => path.join(ws.cacheDir, 'terraform', 'plugins');
const overlapLog = () => path.join(plugins(), 'stand-in-concurrent-inits.log');
const never = () => new AbortController().signal;

beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(() => ws.cleanup());

describe('shared plugin cache', () => {
  it('the stand-in detects overlapping inits when nothing serialises them (control)', async () => {
    mkdirSync(plugins(), { recursive: true });
    const dirs = [1, 2, 3].map((i) => ws.stack(`raw${i}`, { initSleepMs: 400 }));
    await Promise.all(
      dirs.map((cwd, i) =>
        execa(STANDIN_TERRAFORM, ['init', '-input=false'], {
          cwd,
          reject: false,
          env: { TF_PLUGIN_CACHE_DIR: plugins(), TF_DATA_DIR: path.join(ws.base, `d${i}`) },
        }),
      ),
    );
    expect(existsSync(overlapLog())).toBe(true);
  });

  it('the runner serialises concurrent inits sharing the cache', async () => {
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const requests = [1, 2, 3, 4].map((i) => planRequest(ws, ws.stack(`s${i}`, { initSleepMs: 300 })));
    const outcomes = await Promise.all(requests.map((r) => runner.run(r, never())));
    expect(outcomes.map((o) => o.kind)).toEqual(['planned', 'planned', 'planned', 'planned']);
    expect(existsSync(overlapLog())).toBe(false);
    expect(readLog(ws.logFile).filter((i) => i.argv?.[0] === 'init')).toHaveLength(4);
  });

  it('waits for a lock another live process holds, then proceeds', async () => {
    const lockDir = path.join(plugins(), '.driftd-init.lock');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
    setTimeout(() => rmSync(lockDir, { recursive: true, force: true }), 800);
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const started = Date.now();
    const outcome = await runner.run(planRequest(ws, ws.stack('waits')), never());
    expect(outcome.kind).toBe('planned');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('breaks a stale lock left by a dead process', async () => {
    const lockDir = path.join(plugins(), '.driftd-init.lock');
    mkdirSync(lockDir, { recursive: true });
    const dead = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(
      path.join(lockDir, 'owner.json'),
      JSON.stringify({ pid: Number(dead.stdout), host: hostname() }),
    );
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const outcome = await runner.run(planRequest(ws, ws.stack('stale'), { timeoutMs: 20_000 }), never());
    expect(outcome.kind).toBe('planned');
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a timeout while waiting for the lock is a timeout, not a failure', async () => {
    const lockDir = path.join(plugins(), '.driftd-init.lock');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
    const runner = new TerraformPlanRunner({ cacheDir: ws.cacheDir });
    const outcome = await runner.run(planRequest(ws, ws.stack('blocked'), { timeoutMs: 500 }), never());
    expect(outcome.kind).toBe('timeout');
    expect(readLog(ws.logFile)).toEqual([]);
  });
});
