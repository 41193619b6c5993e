// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text with literal ${ENV} references
import { describe, expect, it } from 'vitest';
import { ENV_OVERLAY, parseDuration } from '../../../src/app/config/index.js';
import { useConfigDir, yaml } from './config-test-kit.js';

const kit = useConfigDir();

describe('${ENV} references', () => {
  it('are resolved in any string value, nested or in lists', async () => {
    const config = await kit.load(
      yaml(
        'data_dir: ${BASE}/data',
        'worker:',
        '  lock_ttl: ${TTL}',
        '  concurrency: ${N}',
        'repos:',
        '  - name: a',
        '    url: https://${HOST}/a.git',
        '    stacks: ["${STACK}"]',
        'api:',
        '  tokens:',
        '    - { name: ci, token: "${CI_TOKEN}" }',
      ),
      { BASE: '/srv', TTL: '45m', N: '7', HOST: 'git.example.com', STACK: 'envs/prod', CI_TOKEN: 's3cret' },
    );
    expect(config.dataDir).toBe('/srv/data');
    expect(config.worker.lockTtlMs).toBe(45 * 60_000);
    expect(config.worker.concurrency).toBe(7);
    expect(config.repos[0]?.url).toBe('https://git.example.com/a.git');
    expect(config.repos[0]?.stacks).toEqual(['envs/prod']);
    expect(config.api.tokens[0]?.token).toBe('s3cret');
  });

  it('keep $${ as a literal ${ and leave keys alone', async () => {
    const config = await kit.load(yaml('data_dir: ./a$${NOT_A_REF}'));
    expect(config.dataDir).toBe('./a${NOT_A_REF}');
  });

  it('report every unset variable with its key path, and no follow-on errors for that key', async () => {
    const problems = await kit.problems(yaml('data_dir: ${MISSING_A}', 'log_level: ${MISSING_B}'), {});
    expect(problems).toEqual([
      'config.yaml:1: data_dir: references ${MISSING_A}, but the environment variable MISSING_A is not set',
      'config.yaml:2: log_level: references ${MISSING_B}, but the environment variable MISSING_B is not set',
    ]);
  });

  it('reject a malformed reference', async () => {
    const problems = await kit.problems(yaml('data_dir: ${not valid}'));
    expect(problems[0]).toContain('config.yaml:1: data_dir: "${not valid}" is not a valid reference');
  });
});

describe('DRIFTD_* overlay', () => {
  it('sets keys over the file, creating the redis section from DRIFTD_REDIS_ADDR', async () => {
    const config = await kit.load(yaml('data_dir: ./from-file', 'log_level: warn'), {
      DRIFTD_DATA_DIR: '/data',
      DRIFTD_LISTEN_ADDR: '127.0.0.1:9999',
      DRIFTD_LOG_LEVEL: 'debug',
      DRIFTD_REDIS_ADDR: 'redis:6379',
      DRIFTD_REDIS_PASSWORD: 'pw-secret',
      DRIFTD_CACHE_DIR: '/cache',
      DRIFTD_DEFAULT_TERRAFORM_VERSION: '1.9.8',
      DRIFTD_DEFAULT_TOFU_VERSION: '1.8.0',
      DRIFTD_DEFAULT_TERRAGRUNT_VERSION: '0.67.0',
    });
    expect(config.dataDir).toBe('/data');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(config.logLevel).toBe('debug');
    expect(config.redis).toEqual({ addr: 'redis:6379', password: 'pw-secret', db: 0, prefix: 'driftd:' });
    expect(config.tools.cacheDir).toBe('/cache');
    expect(config.worker.workDir).toBe('/cache/git');
    expect(config.tools.defaultVersions).toEqual({ terraform: '1.9.8', tofu: '1.8.0', terragrunt: '0.67.0' });
  });

  it('ignores empty variables and a redis password without a redis section', async () => {
    const config = await kit.load(yaml('data_dir: ./keep'), {
      DRIFTD_DATA_DIR: '',
      DRIFTD_REDIS_PASSWORD: 'pw',
    });
    expect(config.dataDir).toBe('./keep');
    expect(config.redis).toBeUndefined();
  });

  it('names the variable when an overlaid value is wrong, without echoing a secret', async () => {
    const problems = await kit.problems(yaml('redis:', '  addr: localhost:6379'), {
      DRIFTD_LISTEN_ADDR: 'nonsense',
      DRIFTD_REDIS_DB: 'not-a-number-secretish',
    });
    expect(problems).toContain(
      'config.yaml: listen_addr (set by DRIFTD_LISTEN_ADDR): must be ":PORT", "HOST:PORT" or "[IPv6]:PORT"',
    );
    expect(problems.join('\n')).toContain('redis.db (set by DRIFTD_REDIS_DB): must be a whole number');
    expect(problems.join('\n')).not.toContain('not-a-number-secretish');
  });

  it('covers the variables the docs promise', () => {
    const names = ENV_OVERLAY.map((e) => e.env);
    for (const required of [
      'DRIFTD_REDIS_ADDR',
      'DRIFTD_REDIS_PASSWORD',
      'DRIFTD_DATA_DIR',
      'DRIFTD_LISTEN_ADDR',
      'DRIFTD_LOG_LEVEL',
      'DRIFTD_CACHE_DIR',
      'DRIFTD_DEFAULT_TERRAFORM_VERSION',
      'DRIFTD_DEFAULT_TOFU_VERSION',
      'DRIFTD_DEFAULT_TERRAGRUNT_VERSION',
    ]) {
      expect(names).toContain(required);
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['0', 0],
    [0, 0],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([['30mins'], ['10'], [10], ['1.5h'], ['-5m'], [''], ['m'], [null]])('rejects %s', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
