// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text with literal ${ENV} references
import { describe, expect, it } from 'vitest';
import { useConfigDir, yaml } from './config-test-kit.js';

const kit = useConfigDir();

const repo = (...extra: string[]) =>
  yaml('repos:', '  - name: a', '    url: https://example.com/a.git', ...extra);

describe('rejected configs name the key and its line', () => {
  it.each([
    [
      'lock_ttl below 2m',
      yaml('worker:', '  lock_ttl: 1m'),
      'config.yaml:2: worker.lock_ttl: must be at least 2m (got 1m)',
    ],
    [
      'renew_every above lock_ttl/2',
      yaml('worker:', '  lock_ttl: 30m', '  renew_every: 20m'),
      'config.yaml:3: worker.renew_every: must be at most lock_ttl/2 = 15m (got 20m)',
    ],
    [
      'renew_every below 10s',
      yaml('worker:', '  renew_every: 5s'),
      'config.yaml:2: worker.renew_every: must be 0 (auto) or at least 10s (got 5s)',
    ],
    [
      'a bad cron string',
      repo('    schedule: "61 * * * *"'),
      'config.yaml:4: repos[0].schedule: is not a valid cron',
    ],
    [
      'two repos with one name',
      yaml('repos:', '  - { name: a, url: x }', '  - { name: b, url: y }', '  - { name: a, url: z }'),
      'config.yaml:4: repos[2].name: "a" is already the name of repos[0]',
    ],
    ['a repo without url', yaml('repos:', '  - name: a'), 'config.yaml:2: repos[0].url: is required'],
    [
      'an unknown git.type',
      repo('    git:', '      type: ftp'),
      'config.yaml:5: repos[0].git.type: must be one of none, ssh, https, github_app',
    ],
    [
      'a ".." stack path',
      repo('    stacks:', '      - envs/../prod'),
      'config.yaml:5: repos[0].stacks[0]: stack path contains a ".." segment',
    ],
    [
      'an absolute stack path',
      repo('    stacks: [/etc]'),
      'config.yaml:4: repos[0].stacks[0]: stack path is absolute',
    ],
    [
      'a stack listed twice',
      repo('    stacks: [envs/a, ./envs/a/]'),
      'config.yaml:4: repos[0].stacks[1]: duplicates stacks[0] ("envs/a")',
    ],
    [
      'an unknown top-level key',
      yaml('data_dir: ./d', 'reddis: {}'),
      'config.yaml:2: reddis: unknown key (did you mean "redis"?)',
    ],
    [
      'a typo in a nested key',
      yaml('worker:', '  concurrency: 2', '  renew_evry: 10s'),
      'config.yaml:3: worker.renew_evry: unknown key (did you mean "renew_every"?)',
    ],
    [
      'a duration with a typo',
      yaml('worker:', '  task_max_age: 30mins'),
      'config.yaml:2: worker.task_max_age: must be a duration',
    ],
    ['a bare number as a duration', yaml('worker:', '  lock_ttl: 30'), 'a bare number has no unit'],
    [
      'an unset ${ENV}',
      repo('    branch: ${DRIFTD_TEST_UNSET}'),
      'config.yaml:4: repos[0].branch: references ${DRIFTD_TEST_UNSET}, but the environment variable DRIFTD_TEST_UNSET is not set',
    ],
    [
      'a key of another git type',
      repo('    git: { type: ssh, ssh_key_path: /k, https_token_env: TOKEN }'),
      'config.yaml:4: repos[0].git.https_token_env: does not apply to git type "ssh"',
    ],
    [
      'a missing key of the git type',
      repo('    git: { type: https }'),
      'repos[0].git.https_token_env: is required for git type "https"',
    ],
    [
      'an invalid repo name',
      yaml('repos:', '  - { name: "a/b", url: x }'),
      'config.yaml:2: repos[0].name: must be 1-100',
    ],
    [
      'an unknown time zone',
      repo('    timezone: Mars/Olympus'),
      'config.yaml:4: repos[0].timezone: must be an IANA time zone',
    ],
    [
      'an invalid glob',
      repo('    ignore_paths: ["**/{a,b"]'),
      'repos[0].ignore_paths[0]: glob is not a valid glob',
    ],
    [
      'a listen_addr without a colon',
      yaml('listen_addr: "8080"'),
      'config.yaml:1: listen_addr: must be ":PORT"',
    ],
    ['a redis section without addr', yaml('redis:', '  db: 1'), 'config.yaml:1: redis.addr: is required'],
    [
      'a non-http mirror',
      yaml('tools:', '  mirrors:', '    terraform: ftp://x'),
      'tools.mirrors.terraform: must be an http:// or https:// URL',
    ],
    ['an unknown tool', repo('    tool: pulumi'), 'repos[0].tool: must be terraform or tofu'],
    [
      'concurrency out of range',
      yaml('worker:', '  concurrency: 0'),
      'worker.concurrency: must be at least 1',
    ],
    [
      'two tokens with one name',
      yaml('api:', '  tokens:', '    - { name: ci, token: a1 }', '    - { name: ci, token: b2 }'),
      'config.yaml:4: api.tokens[1].name: is already used by api.tokens[0]',
    ],
    [
      'an empty token',
      yaml('api:', '  tokens:', '    - { name: ci, token: "" }'),
      'api.tokens[0].token: must not be empty',
    ],
    [
      'an unknown scope',
      yaml('api:', '  tokens:', '    - { name: ci, token: t, scopes: [admin] }'),
      'must be read or write',
    ],
    ['a section of the wrong type', yaml('worker: 5'), 'config.yaml:1: worker: must be a mapping of keys'],
  ])('%s', async (_name, text, expected) => {
    const problems = await kit.problems(text);
    expect(problems.join('\n')).toContain(expected);
  });

  it('lists every problem at once, in file order', async () => {
    const problems = await kit.problems(
      yaml('bogus: 1', 'worker:', '  lock_ttl: 1m', 'repos:', '  - name: a', '  - name: a', '    url: x'),
    );
    expect(problems).toEqual([
      'config.yaml:1: bogus: unknown key',
      'config.yaml:3: worker.lock_ttl: must be at least 2m (got 1m)',
      'config.yaml:5: repos[0].url: is required',
      'config.yaml:6: repos[1].name: "a" is already the name of repos[0]',
    ]);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const problems = await kit.problems(yaml('worker:', '  concurrency: 5', '  concurrency: 6'));
    expect(problems).toEqual(['config.yaml:3:3: invalid YAML: Map keys must be unique']);
  });

  it('says clearly when the file is missing', async () => {
    const { loadConfigFile } = await import('../../../src/app/config/index.js');
    await expect(loadConfigFile('/nonexistent/driftd.yaml', {})).rejects.toThrow(
      '/nonexistent/driftd.yaml: file not found',
    );
  });
});

describe('secrets stay out of messages', () => {
  it('never shows the redis password, api tokens or values from ${ENV}', async () => {
    const env = { TTL: 'hunter2-ttl-secret', TOKEN: 'tok-from-env-secret' };
    const message = await kit.message(
      yaml(
        'redis:',
        '  addr: "nohost"',
        '  password: hunter2-redis-secret',
        'worker:',
        '  lock_ttl: ${TTL}',
        'api:',
        '  tokens:',
        '    - { name: ci, token: "${TOKEN}", scopes: [root] }',
      ),
      env,
    );
    expect(message).toContain('redis.addr: must be "host:port"');
    expect(message).toContain('worker.lock_ttl: must be a duration');
    expect(message).toContain('api.tokens[0].scopes[0]');
    for (const secret of ['hunter2-redis-secret', 'hunter2-ttl-secret', 'tok-from-env-secret']) {
      expect(message).not.toContain(secret);
    }
  });

  it('does not quote the source line of a YAML error', async () => {
    const message = await kit.message(yaml('redis:', '  password: hunter2-inline: x'));
    expect(message).toContain('config.yaml:2:');
    expect(message).not.toContain('hunter2-inline');
  });
});
