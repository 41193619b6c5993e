import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../../src/app/config/index.js';
import { useConfigDir, yaml } from './config-test-kit.js';

const SPEC_EXAMPLE = new URL('../../fixtures/config/spec-example.yaml', import.meta.url);
const kit = useConfigDir();

describe('the spec example config', () => {
  it('is accepted unchanged and mapped to the runtime config', async () => {
    const config = await loadConfigFile(SPEC_EXAMPLE.pathname, {});
    expect(config.source).toBe(SPEC_EXAMPLE.pathname);
    expect(config.dataDir).toBe('./data');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.redis).toEqual({ addr: 'localhost:6379', db: 0, prefix: 'driftd:' });
    expect(config.worker).toMatchObject({
      concurrency: 5,
      lockTtlMs: 30 * 60_000,
      retryOnce: true,
      taskMaxAgeMs: 6 * 3_600_000,
      renewEveryMs: 10_000,
    });
    expect(config.repos).toEqual([
      {
        name: 'my-infra',
        url: 'https://github.com/myorg/terraform-infra.git',
        cancelInflightOnNewTrigger: true,
        git: { type: 'https', tokenEnv: 'GIT_TOKEN', username: 'x-access-token' },
        schedule: '0 */6 * * *',
        jitterMs: 0,
        stacks: ['envs/prod', 'envs/staging', 'envs/dev'],
        ignorePaths: [],
        tool: 'terraform',
        planLock: false,
      },
    ]);
  });

  it('is the README example verbatim', async () => {
    const readme = await readFile('/work/shared/spec/seed-readme.md', 'utf8').catch(() => null);
    if (readme === null) return void console.log('spec README not on this machine: verbatim check skipped');
    const fixture = await readFile(SPEC_EXAMPLE, 'utf8');
    expect(readme).toContain(`\`\`\`yaml\n${fixture}\`\`\``);
  });
});

describe('docs/configuration.md', () => {
  it('has a complete example that validates', async () => {
    const doc = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const example = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].at(-1)?.[1] ?? '';
    expect(example).toContain('repos:');
    const config = await kit.load(example, { REDIS_PASSWORD: 'pw', DRIFTD_CI_TOKEN: 'ci-token' });
    expect(config.repos[0]?.jitterMs).toBe(5 * 60_000);
    expect(config.api.tokens[0]?.scopes).toEqual(['read', 'write']);
  });
});

describe('defaults', () => {
  it('fills every default around a minimal repo', async () => {
    const config = await kit.load(yaml('repos:', '  - name: a', '    url: https://example.com/a.git'));
    expect(config).toMatchObject({
      dataDir: './data',
      listen: { host: '0.0.0.0', port: 8080 },
      logLevel: 'info',
      worker: {
        concurrency: 5,
        lockTtlMs: 1_800_000,
        retryOnce: true,
        taskMaxAgeMs: 21_600_000,
        renewEveryMs: 0,
        stackTimeoutMs: 1_800_000,
        drainGraceMs: 30_000,
        workDir: 'cache/git',
      },
      tools: {
        cacheDir: './cache',
        mirrors: {
          terraform: 'https://releases.hashicorp.com',
          tofu: 'https://github.com/opentofu/opentofu/releases/download',
          terragrunt: 'https://github.com/gruntwork-io/terragrunt/releases/download',
        },
        defaultVersions: {},
        useSwitchers: true,
        install: true,
      },
      api: { tokens: [], rateLimit: { max: 30, windowMs: 60_000 } },
    });
    expect(config.redis).toBeUndefined();
    expect(config.repos[0]).toEqual({
      name: 'a',
      url: 'https://example.com/a.git',
      cancelInflightOnNewTrigger: false,
      git: { type: 'none' },
      jitterMs: 0,
      ignorePaths: [],
      tool: 'terraform',
      planLock: false,
    });
  });

  it('accepts an empty file as the embedded default', async () => {
    const config = await kit.load('');
    expect(config.repos).toEqual([]);
    expect(config.redis).toBeUndefined();
  });

  it('puts work_dir under tools.cache_dir and defaults token scopes to read', async () => {
    const config = await kit.load(
      yaml('tools:', '  cache_dir: /cache', 'api:', '  tokens:', '    - name: ci', '      token: abc'),
    );
    expect(config.worker.workDir).toBe('/cache/git');
    expect(config.api.tokens).toEqual([{ name: 'ci', token: 'abc', scopes: ['read'] }]);
  });
});

describe('values', () => {
  it.each([
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('listen_addr %s', async (addr, listen) => {
    expect((await kit.load(yaml(`listen_addr: "${addr}"`))).listen).toEqual(listen);
  });

  it('normalises stack paths and maps every git type', async () => {
    const config = await kit.load(
      yaml(
        'repos:',
        '  - name: ssh-repo',
        '    url: git@example.com:a.git',
        '    stacks: [./envs/prod/, ".", envs/dev]',
        '    git: { type: ssh, ssh_key_path: /k, ssh_known_hosts_path: /kh }',
        '  - name: app-repo',
        '    url: https://example.com/b.git',
        '    git: { type: github_app, github_app: { app_id: 1, installation_id: 2, private_key_path: /p } }',
      ),
    );
    expect(config.repos[0]?.stacks).toEqual(['envs/prod', '.', 'envs/dev']);
    expect(config.repos[0]?.git).toEqual({ type: 'ssh', sshKeyPath: '/k', knownHostsPath: '/kh' });
    expect(config.repos[1]?.git).toEqual({
      type: 'github_app',
      appId: 1,
      installationId: 2,
      privateKeyPath: '/p',
      apiUrl: 'https://api.github.com',
    });
  });

  it('returns a deeply frozen config', async () => {
    const config = await kit.load(yaml('repos:', '  - { name: a, url: x, stacks: [a] }'));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Reflect.set(config.worker, 'concurrency', 99)).toBe(false);
    expect(Reflect.set(config.repos as unknown as object, 0, null)).toBe(false);
    expect(Object.isFrozen(config.repos[0]?.stacks)).toBe(true);
    expect(Object.isFrozen(config.tools.mirrors)).toBe(true);
  });

  it('validates an object config the same way (embedded use), without line numbers', () => {
    expect(parseConfig({ worker: { lock_ttl: '3m' } }, '<object>', {}).worker.lockTtlMs).toBe(180_000);
    expect(() => parseConfig({ worker: { lock_ttl: '1m' } }, '<object>', {})).toThrow(
      '<object>: worker.lock_ttl: must be at least 2m (got 1m)',
    );
  });
});
