import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import type { GitAuth } from '../../ports/repo-source.port.js';

/** Username/password handed to git through the askpass helper, never through argv or the URL. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

// Absolute, and only characters that need no quoting in the shell string GIT_SSH_COMMAND is.
const SAFE_PATH = /^\/[A-Za-z0-9._/@+=,-]+$/;

/** Why an ssh key or known_hosts path is refused, or null. */
export function sshPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must be an absolute path';
  if (!SAFE_PATH.test(path)) return 'may only contain letters, digits and . _ / @ + = , -';
  if (path.split('/').includes('..')) return 'must not contain ".."';
  return null;
}

/**
 * The `GIT_SSH_COMMAND` for ssh auth. Git hands this string to a shell, so both paths are validated
 * to need no quoting; host keys are always verified (`StrictHostKeyChecking=yes`) and ssh never prompts.
 */
export function buildSshCommand(auth: Extract<GitAuth, { type: 'ssh' }>, repoName: string): string {
  const check = (what: string, path: string): void => {
    const problem = sshPathProblem(path);
    if (problem) {
      throw new DriftdError('DRIFTD_CONFIG_INVALID', `repo "${repoName}": git ${what} ${problem}`, {
        details: { repo: repoName, field: what },
      });
    }
  };
  check('ssh_key_path', auth.sshKeyPath);
  const parts = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes'];
  if (auth.knownHostsPath !== undefined) {
    check('ssh_known_hosts_path', auth.knownHostsPath);
    parts.push('-o', `UserKnownHostsFile=${auth.knownHostsPath}`);
  }
  parts.push('-i', auth.sshKeyPath);
  return parts.join(' ');
}

const ASKPASS_SCRIPT = `#!/bin/sh
# Written by driftd: answers git's credential prompts from variables set only in git's own env.
case "$1" in
  Username*) printf '%s\\n' "$DRIFTD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$DRIFTD_GIT_PASSWORD" ;;
esac
`;

/** Writes the askpass helper (mode 0700) under `cacheDir` atomically and returns its path. */
export async function writeAskpassScript(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, 'bin');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, 'git-askpass.sh');
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, ASKPASS_SCRIPT, { mode: 0o700 });
  await chmod(tmp, 0o700);
  await rename(tmp, target);
  return target;
}

/** Env and `-c` flags that make git use `creds` through the askpass helper and nothing else. */
export function basicAuthEnv(
  askpassPath: string,
  creds: BasicCredentials,
): { env: Record<string, string>; configArgs: string[] } {
  return {
    env: {
      GIT_ASKPASS: askpassPath,
      DRIFTD_GIT_USERNAME: creds.username,
      DRIFTD_GIT_PASSWORD: creds.password,
    },
    // An empty helper list stops stored credentials from being used or the token from being saved.
    configArgs: ['-c', 'credential.helper='],
  };
}

/** Reads the https token from the env var the config names, at call time. */
export function readHttpsToken(
  auth: Extract<GitAuth, { type: 'https' }>,
  env: Readonly<Record<string, string | undefined>>,
  repoName: string,
): BasicCredentials {
  const token = env[auth.tokenEnv];
  if (token === undefined || token === '') {
    throw new DriftdError(
      'DRIFTD_REPO_FETCH_FAILED',
      `repo "${repoName}": environment variable ${auth.tokenEnv} (https_token_env) is not set`,
      { details: { repo: repoName } },
    );
  }
  return { username: auth.username, password: token };
}
