import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../../src/app/config/index.js';
import { main } from '../../../src/app/main/cli.js';

/** main() in-process with captured output; `shutdown` stops serve/worker like SIGTERM would. */
function start(argv: string[], env: Env = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const done = main(argv, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env,
    shutdown: controller.signal,
  });
  return { out, err, done, stop: () => controller.abort() };
}

async function run(argv: string[], env: Env = {}) {
  const r = start(argv, env);
  const code = await r.done;
  return { code, stdout: r.out.join('\n'), stderr: r.err.join('\n') };
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let dir = '';
let bad = '';
let embedded = '';
let withRedis = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftd-commands-'));
  await mkdir(path.join(dir, 'infra', 'envs', 'prod'), { recursive: true });
  bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'worker:\n  lock_ttl: 1m\nrepos:\n  - name: a\n');
  const common = [
    `data_dir: ${path.join(dir, 'data')}`,
    'listen_addr: "127.0.0.1:0"',
    'tools:',
    `  cache_dir: ${path.join(dir, 'cache')}`,
    '  install: false',
    'repos:',
    '  - name: infra',
    `    url: ${path.join(dir, 'infra')}`,
    '    schedule: "0 3 * * *"',
    '    stacks: [envs/prod]',
  ];
  embedded = path.join(dir, 'embedded.yaml');
  await writeFile(embedded, `${common.join('\n')}\n`);
  withRedis = path.join(dir, 'redis.yaml');
  await writeFile(withRedis, `redis:\n  addr: "127.0.0.1:1"\n${common.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('driftd serve / worker / scan: fast failures', () => {
  it.each([['serve'], ['worker'], ['scan']])(
    '%s: a bad config is one message and exit 1, no stack trace',
    async (cmd) => {
      const result = await run([cmd, '-config', bad]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`driftd ${cmd}: invalid configuration ${bad} (2 problems):`);
      expect(result.stderr).toContain(`${bad}:2: worker.lock_ttl: must be at least 2m (got 1m)`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.each([['serve'], ['worker'], ['scan']])('%s: a missing config file is reported, exit 1', async (cmd) => {
    const missing = path.join(dir, 'nope.yaml');
    const result = await run([cmd, '--config', missing]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(`${missing}: file not found`);
  });

  it.each([['serve'], ['worker'], ['scan']])(
    '%s: no -config is a usage error pointing at --help',
    async (cmd) => {
      const result = await run([cmd]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `driftd: missing -config FILE (or set DRIFTD_CONFIG)\nRun "driftd ${cmd} --help" for usage.`,
      );
    },
  );

  it('rejects unknown flags and stray arguments', async () => {
    expect((await run(['serve', '-config', embedded, '-port', '1'])).stderr).toContain(
      'unknown flag -port for "driftd serve"',
    );
    expect((await run(['worker', '-config', withRedis, 'extra'])).stderr).toContain(
      'unexpected argument "extra" for "driftd worker"',
    );
  });

  it('worker refuses a config without redis: and says serve runs workers in-process', async () => {
    const result = await run(['worker', '-config', embedded]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `driftd worker: ${embedded}: worker needs a redis: section; without it, driftd serve runs workers in-process`,
    );
  });

  it('worker checks -metrics-addr before starting anything', async () => {
    const result = await run(['worker', '-config', withRedis, '-metrics-addr', 'nonsense']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'metrics address "nonsense": must be ":PORT", "HOST:PORT" or "[IPv6]:PORT"',
    );
    expect(result.stdout).toBe('');
  });

  it('scan: an unknown -repo and a -stack without -repo on several repos are usage errors', async () => {
    const unknown = await run(['scan', '-config', embedded, '-repo', 'nope']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('driftd: unknown repo "nope" (configured: infra)');
    const flagOnly = await run(['scan', '-config', embedded, '-repo']);
    expect(flagOnly.stderr).toContain('flag -repo needs a value (NAME)');
  });

  it('lists serve, worker and scan in the help', async () => {
    const help = await run(['--help']);
    expect(help.stdout).toMatch(/\n {2}serve +Run the API, web UI and scheduler/);
    expect(help.stdout).toMatch(/\n {2}worker +Run job loops against Redis/);
    expect(help.stdout).toMatch(/\n {2}scan +Scan once in-process/);
    expect((await run(['worker', '--help'])).stdout).toContain('-metrics-addr HOST:PORT');
  });
});

describe('driftd serve in-process (embedded mode)', () => {
  it('prints one startup line, serves the API and UI, warns about missing terraform, stops with 0', async () => {
    const serve = start(['serve', '-config', embedded, '--log-level', 'info', '-no-startup-scan'], {
      PATH: '/nonexistent',
    });
    const line = await until(() => serve.out.find((l) => l.includes('listening on')), 'the startup line');
    expect(serve.out).toHaveLength(1);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    expect(line).toBe(
      `driftd serve: embedded mode (5 in-process job slots), listening on ${url}, 1 repo (infra)`,
    );
    const health = await fetch(`${url}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'embedded', redis: 'not_configured' });
    expect((await fetch(`${url}/api/repos/infra/stacks`)).status).toBe(200);
    expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/text\/html/);
    const warning = await until(() => serve.err.find((l) => l.includes('warning:')), 'the tool warning');
    expect(warning).toBe(
      `driftd serve: warning: no terraform on PATH or in ${path.join(dir, 'cache')} and tools.install is false: scans will fail until you install terraform on PATH, or set tools.default_versions / tools.mirrors (see docs/configuration.md)`,
    );
    serve.stop();
    expect(await serve.done).toBe(0);
    const logs = serve.err
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['driftd serve started', 'shutting down', 'stopped']),
    );
    expect(logs.every((l) => l.process === 'serve')).toBe(true);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it('fails with exit 1 and a clear message when listen_addr is taken', async () => {
    const first = start(['serve', '-config', embedded, '-log-level', 'silent', '-no-startup-scan']);
    const line = await until(() => first.out[0], 'the startup line');
    const port = /:(\d+),/.exec(line)?.[1];
    const taken = path.join(dir, 'taken.yaml');
    const { readFile } = await import('node:fs/promises');
    await writeFile(taken, (await readFile(embedded, 'utf8')).replace('127.0.0.1:0', `127.0.0.1:${port}`));
    const second = await run(['serve', '-config', taken, '-log-level', 'silent']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`driftd serve: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    first.stop();
    expect(await first.done).toBe(0);
  });
});
