import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/app/main/cli.js';
import { repoRoot } from '../support/terraform-fixtures.js';

const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasTerraform) {
  console.warn('quickstart smoke test skipped: no terraform on PATH (install terraform >= 1.4 to run it)');
}

/** Files of examples/demo-infra that git would report: modified, untracked or ignored. */
function demoInfraChanges(): string {
  return execFileSync('git', ['status', '--porcelain', '--ignored', '--', 'examples/demo-infra'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
}

describe.runIf(hasTerraform)('quickstart: driftd scan -config examples/config.yaml (real terraform)', () => {
  let dir = '';
  const cwd = process.cwd();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'driftd-quickstart-'));
    // Relative paths in the config (the repo url) resolve against the process CWD: the repo root.
    process.chdir(repoRoot);
  });
  afterAll(async () => {
    process.chdir(cwd);
    await rm(dir, { recursive: true, force: true });
  });

  it('network in sync, app drifted (unapplied), legacy in sync on its pinned 1.11.4; the demo is untouched', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['scan', '-config', 'examples/config.yaml', '--json'], {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      env: {
        ...process.env,
        DRIFTD_DATA_DIR: path.join(dir, 'data'),
        DRIFTD_CACHE_DIR: path.join(dir, 'cache'),
      },
    });
    const doc = JSON.parse(out.join('\n'));
    const stacks = Object.fromEntries((doc.repos[0].stacks as { stack: string }[]).map((s) => [s.stack, s]));
    expect(stacks['stacks/network'], err.join('\n')).toMatchObject({ status: 'in_sync', error: null });
    expect(stacks['stacks/app']).toMatchObject({
      status: 'drifted',
      kinds: ['unapplied'],
      summary: { change: 1, drifted: 0 },
    });
    expect(stacks['stacks/legacy']).toMatchObject({
      status: 'in_sync',
      tool: 'terraform',
      tool_version: '1.11.4',
    });
    expect(code).toBe(2);
    expect(existsSync(path.join(dir, 'data', 'repos'))).toBe(true);
    expect(demoInfraChanges()).toBe('');
  });
});
