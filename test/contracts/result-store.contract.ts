import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorResult } from '../../src/domain/drift-result.js';
import { isDriftdError } from '../../src/domain/errors.js';
import type { FailureKind } from '../../src/domain/failure.js';
import { makeJobId, makeTaskId, type RepoName, ROOT_STACK, type StackPath } from '../../src/domain/ids.js';
import { type StackRun, toHistoryEntry } from '../../src/domain/stack-run.js';
import type { ResultStore } from '../../src/ports/result-store.port.js';
import { DRIFTED, IN_SYNC, repoName } from './support.js';

export interface ResultStoreSubject {
  readonly store: ResultStore;
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

const T0 = 1_706_712_345_678;

export function stackRun(
  repo: RepoName,
  stack: string,
  n: number,
  options: { failure?: FailureKind; drifted?: boolean; attempt?: number } = {},
): StackRun {
  const ts = T0 + n * 60_000;
  const base = options.drifted ? DRIFTED : IN_SYNC;
  const failed = options.failure !== undefined;
  return {
    repo,
    stack: stack as StackPath,
    taskId: makeTaskId(repo, ts),
    jobId: makeJobId(repo, stack as StackPath, ts),
    attempt: options.attempt ?? 1,
    commit: `c${n}`,
    trigger: { kind: 'schedule' },
    result: failed
      ? errorResult(`run ${n} failed`)
      : { ...base, resources: [], outputs: [], diagnostics: [], terraformVersion: '1.9.0' },
    ...(options.failure !== undefined && { failure: options.failure }),
    tool: { name: 'terraform', version: '1.9.0' },
    startedAt: ts,
    finishedAt: ts + 1_234,
  };
}

/**
 * The ResultStore contract: latest/plan/history round trips, path safety, which runs replace the
 * latest, idempotency, listings and repo errors. Runs against the memory and the fs store.
 */
export function describeResultStoreContract(
  name: string,
  makeSubject: () => Promise<ResultStoreSubject>,
): void {
  describe(`ResultStore contract: ${name}`, () => {
    let s: ResultStoreSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('returns null or empty for unknown repos and stacks', async () => {
      const repo = repoName();
      expect(await s.store.getLatest(repo, 'envs/prod' as StackPath)).toBeNull();
      expect(await s.store.getPlanText(repo, ROOT_STACK)).toBeNull();
      expect(await s.store.getHistory(repo, ROOT_STACK, 10)).toEqual([]);
      expect(await s.store.listLatest(repo)).toEqual([]);
      expect(await s.store.getRepoError(repo)).toBeNull();
      expect(await s.store.listRepos()).not.toContain(repo);
    });

    it('round-trips latest, plan text and history for odd stack names and the root stack', async () => {
      const repo = repoName();
      const stacks = [
        '.',
        'envs/prod',
        'with space/x',
        'ünïcødé/стек',
        '100%/a%2Fb',
        'a.b',
        'a%2Fb',
        'a/b',
        '-x_y',
      ];
      for (const [i, stack] of stacks.entries()) {
        const run = stackRun(repo, stack, i, { drifted: i % 2 === 0 });
        await s.store.record(run, `plan of ${stack}\nline 2 ✓`);
      }
      for (const [i, stack] of stacks.entries()) {
        const run = stackRun(repo, stack, i, { drifted: i % 2 === 0 });
        expect(await s.store.getLatest(repo, stack as StackPath)).toEqual(run);
        expect(await s.store.getPlanText(repo, stack as StackPath)).toBe(`plan of ${stack}\nline 2 ✓`);
        expect(await s.store.getHistory(repo, stack as StackPath, 10)).toEqual([toHistoryEntry(run)]);
      }
      const listed = await s.store.listLatest(repo);
      expect(listed.map((r) => r.stack)).toEqual([...stacks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(await s.store.listRepos()).toContain(repo);
    });

    it('keeps history newest first with a limit, and replaces latest with each newer run', async () => {
      const repo = repoName();
      const runs = [1, 2, 3, 4].map((n) => stackRun(repo, 'envs/prod', n, { drifted: n === 3 }));
      for (const run of runs) await s.store.record(run, `plan ${run.commit}`);
      const history = await s.store.getHistory(repo, 'envs/prod' as StackPath, 10);
      expect(history).toEqual([...runs].reverse().map(toHistoryEntry));
      expect(await s.store.getHistory(repo, 'envs/prod' as StackPath, 2)).toEqual(history.slice(0, 2));
      expect(await s.store.getLatest(repo, 'envs/prod' as StackPath)).toEqual(runs[3]);
      expect(await s.store.getPlanText(repo, 'envs/prod' as StackPath)).toBe('plan c4');
    });

    it('canceled and timed-out runs go to history without replacing the latest result', async () => {
      const repo = repoName();
      const stack = 'envs/prod' as StackPath;
      const good = stackRun(repo, stack, 1, { drifted: true });
      await s.store.record(good, 'good plan');
      for (const [i, failure] of (['canceled', 'timeout', 'lost_worker'] as const).entries()) {
        await s.store.record(stackRun(repo, stack, 2 + i, { failure }), 'partial output');
      }
      expect(await s.store.getLatest(repo, stack)).toEqual(good);
      expect(await s.store.getPlanText(repo, stack)).toBe('good plan');
      const history = await s.store.getHistory(repo, stack, 10);
      expect(history.map((h) => h.failure ?? 'ok')).toEqual(['lost_worker', 'timeout', 'canceled', 'ok']);
      const tfError = stackRun(repo, stack, 9, { failure: 'terraform_error' });
      await s.store.record(tfError, 'Error: bad');
      expect(await s.store.getLatest(repo, stack)).toEqual(tfError);
      expect(await s.store.getPlanText(repo, stack)).toBe('Error: bad');
    });

    it('a canceled first run leaves no latest result', async () => {
      const repo = repoName();
      await s.store.record(stackRun(repo, 'a', 1, { failure: 'canceled' }), '');
      expect(await s.store.getLatest(repo, 'a' as StackPath)).toBeNull();
      expect(await s.store.getHistory(repo, 'a' as StackPath, 5)).toHaveLength(1);
      expect(await s.store.listLatest(repo)).toEqual([]);
    });

    it('is idempotent per job id and attempt; a late older run does not replace a newer latest', async () => {
      const repo = repoName();
      const newer = stackRun(repo, 'a', 5);
      const older = stackRun(repo, 'a', 1, { drifted: true });
      await s.store.record(newer, 'newer');
      await s.store.record(newer, 'newer');
      await s.store.record(older, 'older');
      await s.store.record({ ...newer, attempt: 2 }, 'retry');
      expect(await s.store.getLatest(repo, 'a' as StackPath)).toEqual({ ...newer, attempt: 2 });
      const history = await s.store.getHistory(repo, 'a' as StackPath, 10);
      expect(history.map((h) => h.commit)).toEqual(['c5', 'c5', 'c1']);
      await s.store.record(older, 'older');
      expect(await s.store.getHistory(repo, 'a' as StackPath, 10)).toHaveLength(3);
    });

    it('lists repos with results', async () => {
      const [r1, r2] = [repoName('alpha'), repoName('beta')];
      await s.store.record(stackRun(r2, '.', 1), 'p');
      await s.store.record(stackRun(r1, 'x', 1), 'p');
      const repos = await s.store.listRepos();
      expect(repos).toEqual(expect.arrayContaining([r1, r2]));
      expect(repos.filter((r) => r === r1 || r === r2)).toEqual([r1, r2]);
    });

    it('sets, reads and clears a repo error', async () => {
      const repo = repoName();
      await s.store.setRepoError(repo, 'clone failed: authentication required');
      const stored = await s.store.getRepoError(repo);
      expect(stored?.message).toBe('clone failed: authentication required');
      expect(typeof stored?.at).toBe('number');
      await s.store.setRepoError(repo, 'second');
      expect((await s.store.getRepoError(repo))?.message).toBe('second');
      await s.store.setRepoError(repo, null);
      expect(await s.store.getRepoError(repo)).toBeNull();
      await s.store.setRepoError(repo, null);
    });

    it('rejects unsafe repo names and stack paths with DRIFTD_UNSAFE_PATH', async () => {
      const repo = repoName();
      const badStacks = ['../etc', 'a/../../b', '/abs', 'a\\b', 'a//b', '', 'a/./b', 'nul\0x', 'C:/x'];
      for (const stack of badStacks) {
        await expectUnsafe(s.store.record(stackRun(repo, stack, 1), 'p'));
        await expectUnsafe(s.store.getLatest(repo, stack as StackPath));
        await expectUnsafe(s.store.getPlanText(repo, stack as StackPath));
        await expectUnsafe(s.store.getHistory(repo, stack as StackPath, 1));
      }
      for (const bad of ['..', '../x', '.hidden', 'a/b', '', 'x\0']) {
        const r = bad as RepoName;
        await expectUnsafe(s.store.record(stackRun(r, 'a', 1), 'p'));
        await expectUnsafe(s.store.getLatest(r, 'a' as StackPath));
        await expectUnsafe(s.store.listLatest(r));
        await expectUnsafe(s.store.setRepoError(r, 'x'));
        await expectUnsafe(s.store.getRepoError(r));
      }
    });
  });
}

async function expectUnsafe(p: Promise<unknown>): Promise<void> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(
    isDriftdError(error, 'DRIFTD_UNSAFE_PATH'),
    `expected DRIFTD_UNSAFE_PATH, got ${String(error)}`,
  ).toBe(true);
}
