import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../../src/adapters/shared/file-lock.js';

const here = import.meta.dirname;
const repoRoot = path.resolve(here, '../../..');

function startWorker(lockPath: string, logFile: string, rounds: number, holdMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'lock-worker.ts'), lockPath, logFile, String(rounds), String(holdMs)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, firstHeld: () => lines.next(), exited };
}

/** Log lines as (kind, pid); fails the test if two holders ever overlap. */
function assertNoOverlap(log: string): number {
  let holder: string | null = null;
  let entries = 0;
  for (const line of log.trim().split('\n')) {
    const [kind, pid] = line.split(' ');
    if (kind === 'enter') {
      expect(holder, `${pid} entered while ${holder} held the lock`).toBeNull();
      holder = pid!;
      entries += 1;
    } else {
      expect(pid).toBe(holder);
      holder = null;
    }
  }
  return entries;
}

describe('file lock across processes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'driftd-plock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('two processes (and this one) never hold it at once', async () => {
    const lockPath = path.join(dir, 'locks', 'x.lock');
    const logFile = path.join(dir, 'log');
    const workers = [startWorker(lockPath, logFile, 6, 15), startWorker(lockPath, logFile, 6, 15)];
    await Promise.all(workers.map((w) => w.firstHeld()));
    for (let i = 0; i < 4; i += 1) {
      await withFileLock(lockPath, { pollMs: 5 }, async () => {
        await appendFile(logFile, `enter ${process.pid}\n`);
        await new Promise((r) => setTimeout(r, 15));
        await appendFile(logFile, `exit ${process.pid}\n`);
      });
    }
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    expect(assertNoOverlap(await readFile(logFile, 'utf8'))).toBe(16);
  });

  it('takes over at once from a holder that was killed', async () => {
    const lockPath = path.join(dir, 'killed.lock');
    const worker = startWorker(lockPath, path.join(dir, 'log'), 1, 60_000);
    await worker.firstHeld();
    worker.child.kill('SIGKILL');
    await worker.exited;
    const started = Date.now();
    expect(await withFileLock(lockPath, { staleMs: 60_000, pollMs: 5 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
