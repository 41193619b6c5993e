import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the process was killed because it did not exit on its own. */
  readonly hung: boolean;
}

/** Runs `node --import tsx <args>` in the repo root; a process still alive after `limitMs` is killed. */
function runNode(args: readonly string[], limitMs = 60_000): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

/** A host that scans with a plan runner that fails, logs nothing itself, and never calls process.exit. */
const SILENT_HOST = `
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriftd } from './src/index.ts';
const root = await mkdtemp(join(tmpdir(), 'driftd-silent-'));
await mkdir(join(root, 'repo', 'a'), { recursive: true });
await writeFile(join(root, 'repo', 'a', 'main.tf'), '');
const driftd = await createDriftd({
  config: { data_dir: join(root, 'data'), tools: { cache_dir: join(root, 'cache'), install: false },
    repos: [{ name: 'r', url: join(root, 'repo') }] },
  adapters: {
    planRunner: { run: async () => { throw new Error('runner exploded'); } },
    toolResolver: { resolve: async (r) => ({ ok: true, tool: { main: { name: r.tool, version: '1', path: '/bin/true', source: 'x' } } }) },
  },
});
driftd.start();
const s = await driftd.startTask({ repo: 'r' });
const w = await driftd.waitForTask(s.task.id, { timeoutMs: 20000 });
await driftd.close();
process.exitCode = w.kind === 'finished' && w.task.counters.failed === 1 ? 0 : 3;
`;

describe('library: examples/embed.ts and a silent host, as child processes', () => {
  it('embed.ts scans with its own PlanRunner, prints the verdicts from events and exits 0 on its own', async () => {
    const run = await runNode(['examples/embed.ts']);
    expect(run.hung, 'the process did not exit after close()').toBe(false);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^task infra:\d+ started with 2 stacks$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'job.completed stacks/app: drifted (drift)',
        'job.completed stacks/network: in_sync',
        'task completed: 2/2 stacks, 1 drifted',
        'verdict stacks/app: drifted',
        'verdict stacks/network: in_sync',
      ]),
    );
    expect(lines).toHaveLength(6);
  });

  it('the library writes nothing to stdout or stderr, even when jobs fail, and lets the process exit', async () => {
    const run = await runNode(['--input-type=module', '-e', SILENT_HOST]);
    expect(run.hung).toBe(false);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });
});
