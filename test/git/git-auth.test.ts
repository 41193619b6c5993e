import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  basicAuthEnv,
  buildSshCommand,
  readHttpsToken,
  sshPathProblem,
  writeAskpassScript,
} from '../../src/adapters/git/git-auth.js';
import { isDriftdError } from '../../src/domain/errors.js';

describe('ssh auth', () => {
  it('builds a GIT_SSH_COMMAND that verifies host keys and never prompts', () => {
    const cmd = buildSshCommand(
      {
        type: 'ssh',
        sshKeyPath: '/etc/driftd/ssh/id_ed25519',
        knownHostsPath: '/etc/driftd/ssh/known_hosts',
      },
      'infra',
    );
    expect(cmd).toBe(
      'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes ' +
        '-o UserKnownHostsFile=/etc/driftd/ssh/known_hosts -i /etc/driftd/ssh/id_ed25519',
    );
    expect(buildSshCommand({ type: 'ssh', sshKeyPath: '/k' }, 'infra')).not.toContain('UserKnownHostsFile');
  });

  const badPaths: Array<[string, RegExp]> = [
    ['relative/key', /absolute/],
    ['/keys/my key', /may only contain/],
    ['/keys/k;touch /tmp/x', /may only contain/],
    ["/keys/k'x", /may only contain/],
    ['/keys/$(id)', /may only contain/],
    ['/keys/`id`', /may only contain/],
    ['/keys/../etc/k', /".."/],
  ];
  it.each(badPaths)('refuses the path %j', (path, why) => {
    expect(sshPathProblem(path)).toMatch(why);
    let err: unknown;
    try {
      buildSshCommand({ type: 'ssh', sshKeyPath: '/ok/key', knownHostsPath: path }, 'infra');
    } catch (e) {
      err = e;
    }
    expect(isDriftdError(err, 'DRIFTD_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('repo "infra": git ssh_known_hosts_path');
  });
});

describe('https auth', () => {
  it('reads the token from the named env var at call time', () => {
    const auth = { type: 'https', tokenEnv: 'MY_TOKEN', username: 'x-access-token' } as const;
    expect(readHttpsToken(auth, { MY_TOKEN: 'abc' }, 'infra')).toEqual({
      username: 'x-access-token',
      password: 'abc',
    });
    let err: unknown;
    try {
      readHttpsToken(auth, {}, 'infra');
    } catch (e) {
      err = e;
    }
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toContain('MY_TOKEN');
  });

  it('writes a 0700 askpass helper that answers from the child env only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftd-askpass-'));
    try {
      const path = await writeAskpassScript(dir);
      expect((await stat(path)).mode & 0o777).toBe(0o700);
      const { env, configArgs } = basicAuthEnv(path, { username: 'u1', password: 'p@ss word' });
      expect(configArgs).toEqual(['-c', 'credential.helper=']);
      const ask = (prompt: string) => execFileSync(path, [prompt], { env, encoding: 'utf8' });
      expect(ask("Username for 'https://h': ")).toBe('u1\n');
      expect(ask("Password for 'https://u1@h': ")).toBe('p@ss word\n');
      expect(await import('node:fs/promises').then((fs) => fs.readFile(path, 'utf8'))).not.toContain('p@ss');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
