import { describe, expect, it } from 'vitest';
import {
  isValidRepoName,
  makeJobId,
  makeTaskId,
  nextTimestamp,
  normalizeStackPath,
  parseJobId,
  parseTaskId,
  type RepoName,
  ROOT_STACK,
  type StackPath,
  stackPathProblem,
  taskIdOfJob,
} from '../../src/domain/ids.js';

const REPO = 'my-infra' as RepoName;
const TS = 1_706_712_345_678;

describe('ids', () => {
  it('formats task and job ids as the spec shows', () => {
    expect(makeTaskId(REPO, TS)).toBe('my-infra:1706712345678');
    expect(makeJobId(REPO, 'envs/prod' as StackPath, TS)).toBe('my-infra:envs/prod:1706712345678');
    expect(makeJobId(REPO, ROOT_STACK, TS)).toBe('my-infra:.:1706712345678');
  });

  it.each(['envs/prod', '.', 'env:a/b', 'with space', 'ünï'])(
    'parses the job id of stack %j back',
    (stack) => {
      const id = makeJobId(REPO, stack as StackPath, TS);
      expect(parseJobId(id)).toEqual({ repo: REPO, stack, timestamp: TS });
      expect(taskIdOfJob(id)).toBe(makeTaskId(REPO, TS));
    },
  );

  it('parses task ids back and rejects what is not one', () => {
    expect(parseTaskId('my-infra:1706712345678')).toEqual({ repo: REPO, timestamp: TS });
    for (const bad of [
      'my-infra',
      'my-infra:',
      ':123',
      'my-infra:12a',
      '../x:1',
      'a:b:1',
      'my-infra:12345678901234567',
    ]) {
      expect(parseTaskId(bad), bad).toBeNull();
    }
    for (const bad of [
      'x',
      'my-infra:1',
      'my-infra::1',
      'my-infra:../etc:1',
      'my-infra:/abs:1',
      'my-infra:a:x',
    ]) {
      expect(parseJobId(bad), bad).toBeNull();
    }
  });

  it('nextTimestamp gives strictly increasing values within one millisecond', () => {
    let last = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const ts = nextTimestamp(TS, last);
      expect(ts).toBeGreaterThan(last);
      seen.add(ts);
      last = ts;
    }
    expect(seen.size).toBe(1000);
    expect(nextTimestamp(TS + 5000, last)).toBe(TS + 5000);
  });

  it('validates repo names', () => {
    for (const ok of ['my-infra', 'a', 'A.b_c-1', 'x'.repeat(100)])
      expect(isValidRepoName(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', '-x', '.hidden', 'a/b', 'a b', 'x'.repeat(101), 'a:b', 'ü']) {
      expect(isValidRepoName(bad), bad).toBe(false);
    }
  });

  it.each([
    ['.', null],
    ['envs/prod', null],
    ['a b/ünï', null],
    ['', 'is empty'],
    ['..', 'contains a ".." segment'],
    ['a/../b', 'contains a ".." segment'],
    ['/etc', 'is absolute'],
    ['C:/x', 'is absolute'],
    ['a\0b', 'contains a NUL byte'],
    ['a\\b', 'contains a backslash'],
    ['a//b', 'contains an empty or "." segment'],
    ['a/', 'contains an empty or "." segment'],
    ['./a', 'contains an empty or "." segment'],
    ['a/./b', 'contains an empty or "." segment'],
    ['x'.repeat(1025), 'is longer than 1024 characters'],
  ])('stackPathProblem(%j) is %j', (path, problem) => {
    expect(stackPathProblem(path)).toBe(problem);
  });

  it('normalizes stack paths before validation', () => {
    expect(normalizeStackPath('./envs/prod/')).toBe('envs/prod');
    expect(normalizeStackPath('')).toBe('.');
    expect(normalizeStackPath('./')).toBe('.');
    expect(normalizeStackPath(' envs/dev ')).toBe('envs/dev');
  });
});
