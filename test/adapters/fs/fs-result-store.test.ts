import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeStackPath } from '../../../src/adapters/fs/fs-paths.js';
import { FsResultStore } from '../../../src/adapters/fs/fs-result-store.js';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.js';
import type { RepoName, StackPath } from '../../../src/domain/ids.js';
import { describeResultStoreContract, stackRun } from '../../contracts/result-store.contract.js';
import { repoName } from '../../contracts/support.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'driftd-fs-store-'));
}

describeResultStoreContract('fs', async () => {
  const dir = await tempDir();
  const clock = new ManualClock();
  return {
    store: new FsResultStore({ dataDir: dir, clock }),
    advance: async (ms) => clock.advance(ms),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Every file below `dir`, relative. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('FsResultStore on disk', () => {
  let dir: string;
  let store: FsResultStore;
  const clock = new ManualClock();
  beforeEach(async () => {
    dir = await tempDir();
    store = new FsResultStore({ dataDir: dir, clock });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }), 60_000);

  it('writes the documented layout and leaves no temp files', async () => {
    const repo = 'my-infra' as RepoName;
    await store.record(stackRun(repo, 'envs/prod', 1), 'plan');
    await store.record(stackRun(repo, '.', 2), 'root plan');
    await store.record(stackRun(repo, 'envs/prod', 3, { failure: 'canceled' }), 'partial');
    await store.setRepoError(repo, 'clone failed');
    const files = (await walk(dir)).sort();
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(files).toContain('repos/my-infra/error.json');
    expect(files).toContain('repos/my-infra/stacks/envs%2Fprod/latest.json');
    expect(files).toContain('repos/my-infra/stacks/envs%2Fprod/plan.txt');
    expect(files).toContain('repos/my-infra/stacks/%2E/latest.json');
    const history = files.filter((f) => f.startsWith('repos/my-infra/stacks/envs%2Fprod/history/'));
    expect(history).toHaveLength(2);
    for (const f of history) expect(f).toMatch(/\/\d{15}-\d{3}-[0-9a-f]{8}\.json$/);
    const plan = await readFile(join(dir, 'repos/my-infra/stacks/envs%2Fprod/plan.txt'), 'utf8');
    expect(plan).toBe('plan');
  });

  it('persists repo errors across instances and serves repeat reads from memory', async () => {
    const repo = 'my-infra' as RepoName;
    await store.setRepoError(repo, 'clone failed');
    const reopened = new FsResultStore({ dataDir: dir, clock });
    expect((await reopened.getRepoError(repo))?.message).toBe('clone failed');
    // Removing the file behind the store's back does not change what the (single-writer) store serves.
    await rm(join(dir, 'repos/my-infra/error.json'));
    expect((await reopened.getRepoError(repo))?.message).toBe('clone failed');
    await reopened.setRepoError(repo, null);
    expect(await reopened.getRepoError(repo)).toBeNull();
    expect(await new FsResultStore({ dataDir: dir, clock }).getRepoError(repo)).toBeNull();
  });

  it('encodes stack paths injectively into single safe names', () => {
    const stacks = [
      '.',
      'a/b',
      'a%2Fb',
      'a.b',
      'a%2Eb',
      'A/b',
      'ü',
      '%C3%BC',
      'a b',
      'a_b',
      'a-b',
      'x'.repeat(1000),
    ];
    stacks.push(`${'y'.repeat(200)}/1`, `${'y'.repeat(200)}/2`);
    const names = stacks.map((s) => encodeStackPath(s as StackPath));
    expect(new Set(names).size).toBe(stacks.length);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_%~-]+$/);
      expect(name).not.toMatch(/^\.{1,2}$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
    expect(encodeStackPath('.' as StackPath)).toBe('%2E');
    expect(encodeStackPath('envs/prod' as StackPath)).toBe('envs%2Fprod');
  });

  it('stores very long stack paths', async () => {
    const repo = repoName();
    const stack = `${'deep/'.repeat(150)}leaf`;
    await store.record(stackRun(repo, stack, 1), 'p');
    expect((await store.getLatest(repo, stack as StackPath))?.stack).toBe(stack);
    expect(await new FsResultStore({ dataDir: dir, clock }).listLatest(repo)).toHaveLength(1);
  });

  it('sees its own writes through the cache, and a second instance reads what the first wrote', async () => {
    const repo = repoName();
    expect(await store.listLatest(repo)).toEqual([]);
    const run = stackRun(repo, 'envs/prod', 1, { drifted: true });
    await store.record(run, 'p1');
    expect(await store.listLatest(repo)).toEqual([run]);
    const newer = stackRun(repo, 'envs/prod', 2);
    await store.record(newer, 'p2');
    expect(await store.getLatest(repo, 'envs/prod' as StackPath)).toEqual(newer);
    const other = new FsResultStore({ dataDir: dir, clock });
    expect(await other.listLatest(repo)).toEqual([newer]);
    expect(await other.getPlanText(repo, 'envs/prod' as StackPath)).toBe('p2');
    expect(await other.getHistory(repo, 'envs/prod' as StackPath, 10)).toHaveLength(2);
    expect(await other.listRepos()).toEqual([repo]);
  });

  it('serialises concurrent records of one stack: the newest run wins, every run is in history', async () => {
    const repo = repoName();
    const runs = Array.from({ length: 20 }, (_, i) => stackRun(repo, 'a', i + 1));
    await Promise.all([...runs].reverse().map((r) => store.record(r, `plan ${r.commit}`)));
    expect(await store.getLatest(repo, 'a' as StackPath)).toEqual(runs[19]);
    expect(await store.getPlanText(repo, 'a' as StackPath)).toBe('plan c20');
    expect(await store.getHistory(repo, 'a' as StackPath, 100)).toHaveLength(20);
    expect((await walk(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('prunes history beyond its cap, keeping the newest', async () => {
    const small = new FsResultStore({ dataDir: dir, clock, historyCap: 5 });
    const repo = repoName();
    for (let i = 1; i <= 8; i++) await small.record(stackRun(repo, 'a', i), 'p');
    const history = await small.getHistory(repo, 'a' as StackPath, 100);
    expect(history.map((h) => h.commit)).toEqual(['c8', 'c7', 'c6', 'c5', 'c4']);
  });

  it('ignores damaged or misplaced latest files and stray entries', async () => {
    const repo = repoName();
    await store.record(stackRun(repo, 'good', 1), 'p');
    const stacksDir = join(dir, 'repos', repo, 'stacks');
    await writeFile(join(stacksDir, 'good', 'history', 'notes.txt'), 'x');
    await rm(join(stacksDir, 'bad'), { recursive: true, force: true });
    await mkdir(join(stacksDir, 'bad'), { recursive: true });
    await writeFile(join(stacksDir, 'bad', 'latest.json'), '{not json');
    await mkdir(join(stacksDir, 'moved'), { recursive: true });
    await writeFile(join(stacksDir, 'moved', 'latest.json'), JSON.stringify(stackRun(repo, 'elsewhere', 1)));
    const fresh = new FsResultStore({ dataDir: dir, clock });
    expect((await fresh.listLatest(repo)).map((r) => r.stack)).toEqual(['good']);
    expect(await fresh.getHistory(repo, 'good' as StackPath, 10)).toHaveLength(1);
  });

  it('lists 100 stacks per repo from memory: 100 listings (100 repos x 100 stacks worth) in < 20 ms', async () => {
    // Seeding 10,000 stacks costs tens of seconds on slow disks; a listing reads only its own repo's
    // cache, so 10 repos listed 10 times each measure the same work as 100 repos listed once.
    const repos = Array.from({ length: 10 }, (_, i) => `r${i}` as RepoName);
    for (const repo of repos) {
      for (let j = 0; j < 100; j++) {
        const run = stackRun(repo, `stacks/s${j}`, 1);
        const stackDir = join(dir, 'repos', repo, 'stacks', encodeStackPath(run.stack));
        await mkdir(stackDir, { recursive: true });
        await writeFile(join(stackDir, 'latest.json'), JSON.stringify(run));
      }
    }
    for (const repo of repos) expect(await store.listLatest(repo)).toHaveLength(100);
    const t0 = performance.now();
    let total = 0;
    for (let round = 0; round < 10; round++) {
      for (const repo of repos) total += (await store.listLatest(repo)).length;
    }
    const elapsed = performance.now() - t0;
    expect(total).toBe(10_000);
    expect(elapsed).toBeLessThan(20);
  }, 120_000);
});
