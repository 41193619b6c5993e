import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../../src/app/config/index.js';
import { main } from '../../../src/app/main/cli.js';

/** main() in-process with captured output: the same code path bin/driftd runs. */
async function run(argv: string[], env: Env = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const SPEC_EXAMPLE = new URL('../../fixtures/config/spec-example.yaml', import.meta.url).pathname;
let dir = '';
let bad = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftd-cli-'));
  bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'worker:\n  lock_ttl: 1m\nrepos:\n  - name: a\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('driftd validate', () => {
  it.each([
    [['-config', SPEC_EXAMPLE]],
    [['--config', SPEC_EXAMPLE]],
    [[`--config=${SPEC_EXAMPLE}`]],
    [[`-config=${SPEC_EXAMPLE}`]],
  ])('accepts %j and prints a one-line summary', async (flags) => {
    const result = await run(['validate', ...flags]);
    expect(result).toEqual({
      code: 0,
      stdout: `${SPEC_EXAMPLE}: ok — 1 repo, redis localhost:6379, 0 api tokens (api auth off)`,
      stderr: '',
    });
  });

  it('prints every problem with file and line, and exits 1', async () => {
    const result = await run(['validate', '-config', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `${bad}:2: worker.lock_ttl: must be at least 2m (got 1m)`,
      `${bad}:4: repos[0].url: is required`,
      `${bad}: 2 problems`,
    ]);
  });

  it('takes the config path from DRIFTD_CONFIG and reports the DRIFTD_* overlay', async () => {
    const result = await run(['validate'], {
      DRIFTD_CONFIG: SPEC_EXAMPLE,
      DRIFTD_REDIS_ADDR: 'redis.internal:6380',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('redis redis.internal:6380');
  });

  it('says which file is missing, without a stack trace', async () => {
    const result = await run(['validate', '-config', path.join(dir, 'nope.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, 'nope.yaml')}: file not found`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('is a usage error without -config', async () => {
    const result = await run(['validate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing -config FILE');
  });

  it('rejects an unknown -log-level', async () => {
    const result = await run(['validate', '-config', SPEC_EXAMPLE, '--log-level', 'loud']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('-log-level must be one of');
  });
});

describe('command line', () => {
  it('lists the commands for --help and -h', async () => {
    for (const flag of ['--help', '-h', '-help']) {
      const result = await run([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Usage: driftd <command> \[flags\]/);
      expect(result.stdout).toMatch(/^ {2}validate +Check a config file/m);
    }
  });

  it('shows per-command help with its flags', async () => {
    for (const argv of [
      ['validate', '--help'],
      ['validate', '-h'],
      ['help', 'validate'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: driftd validate -config FILE');
      expect(result.stdout).toMatch(/-config FILE +config file/);
    }
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `driftd ${pkg.version}`, stderr: '' });
  });

  it.each([
    [['frobnicate'], 'driftd: unknown command "frobnicate"'],
    [['validate', '--bogus'], 'driftd: unknown flag --bogus for "driftd validate"'],
    [['validate', '-config'], 'driftd: flag -config needs a value (FILE)'],
    [['validate', '-config', 'a.yaml', 'extra'], 'driftd: unexpected argument "extra" for "driftd validate"'],
    [['--config', 'x.yaml'], 'driftd: unknown flag --config (flags go after the command)'],
  ])('%j is a usage error on stderr with exit 1', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.stderr).toMatch(/Run "driftd( validate)? --help" for usage\./);
  });

  it('prints usage on stderr and exits 1 without a command', async () => {
    const result = await run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Usage: driftd <command>');
  });
});
