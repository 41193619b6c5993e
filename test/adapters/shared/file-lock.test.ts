import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock, withFileLock } from '../../../src/adapters/shared/file-lock.js';
import { isDriftdError } from '../../../src/domain/errors.js';

// A pid that cannot be alive: above the kernel's pid_max.
const DEAD_PID = 2 ** 30;
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe('file lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs holders one at a time, in arrival order, and removes the file afterwards', async () => {
    const path = join(dir, 'locks', 'r.lock');
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    const hold = (n: number) =>
      withFileLock(path, { pollMs: 5 }, async () => {
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        order.push(n);
        await sleep(20);
        inside -= 1;
      });
    await Promise.all([1, 2, 3, 4].map(hold));
    expect(maxInside).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
    await expect(stat(path)).rejects.toThrow();
  });

  it('writes an owner record {pid, host, token, time}', async () => {
    const path = join(dir, 'rec.lock');
    const lock = await acquireFileLock(path);
    const record = JSON.parse(await readFile(path, 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: hostname() });
    expect(record.token).toMatch(/^[0-9a-f]{24}$/);
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
    await lock.release();
  });

  it('takes over a lock whose holder is dead or that was not refreshed', async () => {
    const path = join(dir, 'dead.lock');
    await writeFile(path, JSON.stringify({ token: 't', pid: DEAD_PID, host: hostname() }));
    const opts = { pollMs: 5, timeoutMs: 2000 };
    expect(await withFileLock(path, opts, async () => 'ran')).toBe('ran');

    const old = join(dir, 'old.lock');
    await writeFile(old, JSON.stringify({ token: 't', pid: process.pid, host: 'other-host' }));
    const past = new Date(Date.now() - 120_000);
    await utimes(old, past, past);
    expect(await withFileLock(old, { staleMs: 60_000, ...opts }, async () => 'ran')).toBe('ran');
    expect((await readdir(dir)).filter((n) => n.includes('.stale-'))).toEqual([]);
  });

  it('does not take over a dead pid of another host before the lock ages', async () => {
    const path = join(dir, 'remote.lock');
    await writeFile(path, JSON.stringify({ token: 't', pid: DEAD_PID, host: 'other-host' }));
    const err = await withFileLock(path, { pollMs: 5, timeoutMs: 100 }, async () => 'never').catch(
      (e: unknown) => e,
    );
    expect(isDriftdError(err)).toBe(true);
  });

  it('waits for a live holder, keeps its lock fresh, and times out clearly', async () => {
    const path = join(dir, 'live.lock');
    const holding = withFileLock(path, { staleMs: 90 }, () => sleep(300));
    await sleep(20);
    const owner = await readFile(path, 'utf8');
    const before = (await stat(path)).mtimeMs;
    const err = await withFileLock(
      join(dir, 'live.lock'),
      { staleMs: 90, pollMs: 10, timeoutMs: 150, timeoutCode: 'DRIFTD_REPO_FETCH_FAILED' },
      async () => 'never',
    ).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/timed out waiting for the lock/);
    expect(await readFile(path, 'utf8')).toBe(owner);
    expect((await stat(path)).mtimeMs).toBeGreaterThan(before);
    await holding;
  });

  it('waits for a lock held by another live process and takes it once removed', async () => {
    const path = join(dir, 'other.lock');
    await writeFile(path, JSON.stringify({ token: 't', pid: process.pid, host: 'other-host' }));
    setTimeout(() => void rm(path), 150);
    const started = Date.now();
    expect(await withFileLock(path, { pollMs: 10 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('release removes only its own lock and is idempotent', async () => {
    const path = join(dir, 'own.lock');
    const lock = await acquireFileLock(path);
    // As if ours was broken as stale and another process took it meanwhile.
    const theirs = JSON.stringify({ token: 'theirs', pid: process.pid, host: 'other-host' });
    await writeFile(path, theirs);
    await lock.release();
    await lock.release();
    expect(await readFile(path, 'utf8')).toBe(theirs);
  });

  it('rejects a waiter whose signal aborts, in the queue or while polling, and lets the next one in', async () => {
    const path = join(dir, 'abort.lock');
    const held = await acquireFileLock(path);
    const quitter = new AbortController();
    const queued = settle(acquireFileLock(path, { pollMs: 5 }, quitter.signal));
    const next = acquireFileLock(path, { pollMs: 5 });
    quitter.abort();
    expect((await queued).ok).toBe(false);
    await held.release();
    await (await next).release();

    await writeFile(path, JSON.stringify({ token: 't', pid: process.pid, host: 'other-host' }));
    const poller = new AbortController();
    const polling = settle(acquireFileLock(path, { pollMs: 5 }, poller.signal));
    await sleep(30);
    poller.abort();
    expect((await polling).ok).toBe(false);
  });

  it('stops waiting without the lock when stopWaitingIf says the work is done', async () => {
    const path = join(dir, 'done.lock');
    await writeFile(path, JSON.stringify({ token: 't', pid: process.pid, host: 'other-host' }));
    let done = false;
    setTimeout(() => {
      done = true;
    }, 50);
    const lock = await acquireFileLock(path, { pollMs: 5, stopWaitingIf: async () => done });
    expect(lock).toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe('t');
  });

  it('treats a directory holding owner.json (older driftd lock) as a lock', async () => {
    const path = join(dir, 'legacy.lock');
    await mkdir(path);
    await writeFile(join(path, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
    const err = await withFileLock(path, { pollMs: 5, timeoutMs: 80 }, async () => 'never').catch(
      (e: unknown) => e,
    );
    expect(isDriftdError(err, 'DRIFTD_ADAPTER_UNAVAILABLE')).toBe(true);

    await writeFile(join(path, 'owner.json'), JSON.stringify({ pid: DEAD_PID, host: hostname() }));
    expect(await withFileLock(path, { pollMs: 5, timeoutMs: 2000 }, async () => 'ran')).toBe('ran');
    await expect(stat(path)).rejects.toThrow();
  });
});
