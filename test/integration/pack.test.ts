import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The published package: `npm run build`, `npm pack`, then install the tarball into a fresh project and
 * use it there as a user would (the CLI through npx, the library through an ESM import and its types).
 * Dependencies come from the npm registry (or the local npm cache: `--prefer-offline`).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const MINUTES = 60_000;

const CONFIG = `data_dir: ./data
repos:
  - name: infra
    url: https://git.example.com/infra.git
    stacks: [envs/prod]
`;

const CONSUMER_TS = `import { classifyPlan, createDriftd, type Driftd, type DriftResult, type PlanRunner } from '@driftd/core';
const runner: PlanRunner = { run: async () => ({ kind: 'canceled', planText: '' }) };
const make = (): Promise<Driftd> => createDriftd({ config: { repos: [] }, adapters: { planRunner: runner } });
const verdict: DriftResult['status'] = classifyPlan({ planJson: null, exitCode: 1 }).status;
export { make, verdict };
`;

const CONSUMER_MJS = `import { classifyPlan, createDriftd, DriftdError } from '@driftd/core';
const plan = JSON.stringify({ format_version: '1.2', resource_changes: [
  { address: 'a.b', mode: 'managed', type: 'a', name: 'b', change: { actions: ['update'], before: {}, after: {} } }] });
const driftd = await createDriftd({ config: { data_dir: './data', repos: [{ name: 'infra', url: './infra' }] }, env: {} });
const repos = await driftd.listRepos();
await driftd.close();
console.log(JSON.stringify({ classify: classifyPlan({ planJson: plan, exitCode: 2 }).status, mode: driftd.mode,
  repos: repos.map((r) => r.name), error: typeof DriftdError }));
`;

describe('npm pack: the published @driftd/core package', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'driftd-pack-'));
    await execa('npm', ['run', 'build'], { cwd: ROOT });
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, info!.filename);
    files = info!.files.map((f) => f.path);
    project = join(work, 'project');
    await execa('mkdir', [project]);
    await execa('npm', ['init', '-y'], { cwd: project });
    await execa('npm', ['pkg', 'set', 'type=module'], { cwd: project });
    await execa('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project });
  }, 8 * MINUTES);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds built JS, type declarations, templates, Lua scripts, the bin and the README', async () => {
    const has = (re: RegExp) => files.some((f) => re.test(f));
    const required = ['package.json', 'README.md', 'bin/driftd', 'dist/index.js', 'dist/index.d.ts'];
    required.push('dist/app/main/cli.js', 'dist/app/main/create-driftd.d.ts', 'templates/layout.njk');
    expect(required.filter((f) => !files.includes(f))).toEqual([]);
    expect(has(/^dist\/adapters\/redis\/lua\/[\w-]+\.lua$/)).toBe(true);
    const lua = (await readdir(join(ROOT, 'src/adapters/redis/lua'))).filter((f) => f.endsWith('.lua'));
    for (const name of lua) expect(files).toContain(`dist/adapters/redis/lua/${name}`);
    expect(has(/^templates\/static\//)).toBe(true);
    expect(files.filter((f) => /^(src|test|bench|examples|deploy|scripts)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.|\.tgz$|^node_modules\//.test(f))).toEqual([]);
  });

  it('runs `npx driftd --help` and `npx driftd validate` in the installing project', async () => {
    const help = await execa('npx', ['--no-install', 'driftd', '--help'], { cwd: project });
    expect(help.stdout).toMatch(/^Usage: driftd <command> \[flags\]$/m);
    expect(help.stdout).toMatch(/^ {2}validate /m);
    await writeFile(join(project, 'config.yaml'), CONFIG);
    const valid = await execa('npx', ['--no-install', 'driftd', 'validate', '-config', 'config.yaml'], {
      cwd: project,
      env: { DRIFTD_CONFIG: '' },
    });
    expect(valid.stdout).toBe('config.yaml: ok — 1 repo, embedded (no redis), 0 api tokens (api auth off)');
    await writeFile(join(project, 'bad.yaml'), 'repos:\n  - name: infra\n    ulr: x\n');
    const invalid = await execa('npx', ['--no-install', 'driftd', 'validate', '-config', 'bad.yaml'], {
      cwd: project,
      reject: false,
    });
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toMatch(/bad\.yaml:3: repos\[0\]\.ulr/);
  });

  it('is importable as ESM with createDriftd, and its type declarations compile in a consumer', async () => {
    await writeFile(join(project, 'consumer.mjs'), CONSUMER_MJS);
    const run = await execa('node', ['consumer.mjs'], { cwd: project });
    expect(JSON.parse(run.stdout)).toEqual({
      classify: 'drifted',
      mode: 'memory',
      repos: ['infra'],
      error: 'function',
    });
    await writeFile(join(project, 'consumer.ts'), CONSUMER_TS);
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
      },
      files: ['consumer.ts'],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = await execa('node', [TSC, '-p', 'tsconfig.json'], { cwd: project, reject: false });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.exitCode).toBe(0);
  });
});
