import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitContextFactory } from '../../src/adapters/git/git-context.js';
import { SAFE_CONFIG_ARGS } from '../../src/adapters/git/git-exec.js';
import { GithubAppTokens } from '../../src/adapters/git/github-app-token.js';
import type { RepoName } from '../../src/domain/ids.js';
import type { GitAuth, RepoSpec } from '../../src/ports/repo-source.port.js';

const spec = (url: string, auth: GitAuth): RepoSpec => ({
  name: 'infra' as RepoName,
  url,
  auth,
  ignorePaths: [],
});

describe('GitContextFactory', () => {
  let cacheDir: string;
  let factory: GitContextFactory;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'driftd-ctx-'));
    const env = {
      PATH: '/usr/bin',
      GIT_DIR: '/elsewhere',
      GIT_INDEX_FILE: '/x',
      MY_TOKEN: 'tok-123456',
      HOME: '/h',
    };
    const tokens = new GithubAppTokens({ clock: { now: () => 0 }, fetch: async () => new Response('{}') });
    factory = new GitContextFactory({ cacheDir, env, tokens });
  });
  afterAll(() => rm(cacheDir, { recursive: true, force: true }));

  it('gives every git child a clean env: no inherited repo location, no prompts, allowed transports only', () => {
    const { env, configArgs } = factory.local('infra');
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_INDEX_FILE).toBeUndefined();
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_ALLOW_PROTOCOL).toBe('file:https:http:ssh');
    expect(env.HOME).toBe('/h');
    expect(configArgs).toEqual([]);
    expect(SAFE_CONFIG_ARGS).toContain('protocol.ext.allow=never');
  });

  it('ssh: sets GIT_SSH_COMMAND with strict host key checking, no credentials elsewhere', async () => {
    const auth: GitAuth = { type: 'ssh', sshKeyPath: '/keys/id', knownHostsPath: '/keys/known_hosts' };
    const { url, ctx } = await factory.forRemote(
      spec('git@github.com:o/r.git', auth),
      'git@github.com:o/r.git',
    );
    expect(url).toBe('git@github.com:o/r.git');
    expect(ctx.env.GIT_SSH_COMMAND).toContain('-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes');
    expect(ctx.env.GIT_SSH_COMMAND).toContain('-o UserKnownHostsFile=/keys/known_hosts -i /keys/id');
    expect(ctx.env.GIT_ASKPASS).toBeUndefined();
  });

  it('https: token only in the child env for the askpass helper, never in argv or the URL', async () => {
    const auth: GitAuth = { type: 'https', tokenEnv: 'MY_TOKEN', username: 'bot' };
    const { url, ctx } = await factory.forRemote(spec('https://h/o/r.git', auth), 'https://h/o/r.git');
    expect(url).toBe('https://h/o/r.git');
    expect(ctx.env.DRIFTD_GIT_USERNAME).toBe('bot');
    expect(ctx.env.DRIFTD_GIT_PASSWORD).toBe('tok-123456');
    expect(ctx.env.GIT_ASKPASS).toBe(join(cacheDir, 'bin', 'git-askpass.sh'));
    expect(ctx.configArgs).toEqual(['-c', 'credential.helper=']);
    expect(JSON.stringify(ctx.configArgs)).not.toContain('tok-123456');
    expect(ctx.secrets).toContain('tok-123456');
  });

  it('none with user:token@ in the URL: credentials move to the askpass env', async () => {
    const { url, ctx } = await factory.forRemote(
      spec('x', { type: 'none' }),
      'https://me:s3cret-token@h/o/r.git',
    );
    expect(url).toBe('https://h/o/r.git');
    expect(ctx.env.DRIFTD_GIT_PASSWORD).toBe('s3cret-token');
    expect(ctx.secrets).toContain('s3cret-token');
  });
});
