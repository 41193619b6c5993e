import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asValue } from 'awilix';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../../src/adapters/fs/fs-result-store.js';
import { SystemClock } from '../../../src/adapters/memory/index.js';
import { runScan, type ScanOptions } from '../../../src/app/main/commands/scan.js';
import { DriftdError } from '../../../src/domain/errors.js';
import type { RepoName, StackPath } from '../../../src/domain/ids.js';
import { FakeRepoSource } from '../../support/fake-repo-source.js';
import {
  drifted,
  planFailed,
  ScriptedPlanRunner,
  StaticToolResolver,
} from '../../support/scripted-plan-runner.js';
import { testConfig, testRepo } from '../../support/test-config.js';

let dir = '';
let source: FakeRepoSource;
let runner: ScriptedPlanRunner;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftd-scan-'));
  source = new FakeRepoSource(dir)
    .setRepo('infra', { commit: 'c0ffee', stacks: ['envs/prod', 'envs/dev'] })
    .setRepo('net', { commit: 'beef', stacks: ['core'] });
  runner = new ScriptedPlanRunner();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function config(repos = [testRepo('infra'), testRepo('net')]) {
  return testConfig({ repos, dataDir: path.join(dir, 'data'), worker: { workDir: path.join(dir, 'work') } });
}

async function scan(options: Partial<ScanOptions> = {}, repos?: ReturnType<typeof testRepo>[]) {
  const out: string[] = [];
  const err: string[] = [];
  const overrides = {
    repoSource: asValue(source),
    planRunner: asValue(runner),
    toolResolver: asValue(new StaticToolResolver()),
  };
  const code = await runScan(
    config(repos),
    { json: false, ...options, overrides },
    { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} },
  );
  return { code, out, err };
}

describe('driftd scan (in-process, fakes)', () => {
  it('exits 0 when every stack is in sync and prints one line per stack', async () => {
    const r = await scan();
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      'infra @ c0ffee: 2 stacks',
      '  envs/dev   in_sync +0 ~0 -0  [terraform 1.7.5]',
      '  envs/prod  in_sync +0 ~0 -0  [terraform 1.7.5]',
      'net @ beef: 1 stack',
      '  core  in_sync +0 ~0 -0  [terraform 1.7.5]',
      'all stacks in sync',
    ]);
  });

  it('exits 2 on drift, and writes the results to data_dir', async () => {
    runner.script('envs/prod', { outcome: drifted() });
    const r = await scan({ repo: 'infra' });
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      '  envs/prod  drifted (drift) +0 ~0 -0, 1 changed outside terraform  [terraform 1.7.5]',
    );
    expect(r.out.at(-1)).toBe('drift detected');
    const store = new FsResultStore({ dataDir: path.join(dir, 'data'), clock: new SystemClock() });
    expect(await store.getLatest('infra' as RepoName, 'envs/prod' as StackPath)).toMatchObject({
      result: { status: 'drifted' },
      trigger: { kind: 'cli' },
    });
  });

  it('exits 1 when any stack errors, even with drift elsewhere (error wins)', async () => {
    runner.script('envs/prod', { outcome: drifted() });
    runner.script('envs/dev', { outcome: planFailed('Error: Unsupported argument') });
    const r = await scan({ repo: 'infra' });
    expect(r.code).toBe(1);
    expect(r.out.find((l) => l.includes('envs/dev'))).toMatch(/envs\/dev +error/);
    expect(r.out.at(-1)).toBe('errors occurred');
  });

  it('exits 1 when a repo cannot be fetched, naming the reason', async () => {
    source.failResolve(
      'net',
      new DriftdError('DRIFTD_REPO_FETCH_FAILED', 'fetching repo net failed: no route'),
    );
    const r = await scan();
    expect(r.code).toBe(1);
    expect(r.out).toContain('net: 0 stacks');
    expect(r.out.find((l) => l.startsWith('  error:'))).toContain('no route');
  });

  it('-stack scans one stack; -json prints the report as snake_case JSON', async () => {
    runner.script('envs/prod', { outcome: drifted() });
    const r = await scan({ repo: 'infra', stack: 'envs/prod', json: true });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out.join('\n'));
    expect(doc).toMatchObject({
      exit_code: 2,
      repos: [
        {
          repo: 'infra',
          commit: 'c0ffee',
          error: null,
          stacks: [
            {
              stack: 'envs/prod',
              status: 'drifted',
              kinds: ['drift'],
              summary: { drifted: 1 },
              tool: 'terraform',
              tool_version: '1.7.5',
              error: null,
            },
          ],
        },
      ],
    });
    expect(doc.repos[0].task_id).toMatch(/^infra:\d+$/);
    expect(runner.runsOf('envs/dev')).toBe(0);
  });

  it('an unknown -stack is an error result (exit 1)', async () => {
    const r = await scan({ repo: 'infra', stack: 'envs/nope' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('  error: stack "envs/nope" not found');
  });
});
