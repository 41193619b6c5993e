import type { RepoSpec } from '../../ports/repo-source.port.js';
import {
  type BasicCredentials,
  basicAuthEnv,
  buildSshCommand,
  readHttpsToken,
  writeAskpassScript,
} from './git-auth.js';
import { baseGitEnv, type GitContext } from './git-exec.js';
import type { GithubAppTokens } from './github-app-token.js';
import { splitUrlCredentials } from './repo-url.js';

/** A remote ready to use: the URL git is given (never with credentials) and how to run git for it. */
export interface RemoteContext {
  readonly url: string;
  readonly ctx: GitContext;
}

export interface GitContextDeps {
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly tokens: GithubAppTokens;
}

/**
 * Builds the git env and flags for a repo's auth, reading secrets at call time (token env var, GitHub
 * App installation token) so a rotated secret is picked up without a restart.
 */
export class GitContextFactory {
  private askpass: Promise<string> | undefined;

  constructor(private readonly deps: GitContextDeps) {}

  /** Context for local git commands on the mirror (no remote, no credentials). */
  local(repoName: string): GitContext {
    return { repoName, env: baseGitEnv(this.deps.env), configArgs: [], secrets: [] };
  }

  async forRemote(repo: RepoSpec, remoteUrl: string): Promise<RemoteContext> {
    const split = splitUrlCredentials(remoteUrl);
    const base = baseGitEnv(this.deps.env);
    const auth = repo.auth;
    let creds: BasicCredentials | undefined;
    if (auth.type === 'https') creds = readHttpsToken(auth, this.deps.env, repo.name);
    else if (auth.type === 'github_app') {
      creds = { username: 'x-access-token', password: await this.deps.tokens.token(auth, repo.name) };
    } else if (split.username !== undefined) {
      creds = { username: split.username, password: split.password ?? '' };
    }
    if (auth.type === 'ssh') base.GIT_SSH_COMMAND = buildSshCommand(auth, repo.name);
    if (creds === undefined)
      return { url: split.url, ctx: { repoName: repo.name, env: base, configArgs: [], secrets: [] } };
    const helper = basicAuthEnv(await this.askpassPath(), creds);
    return {
      url: split.url,
      ctx: {
        repoName: repo.name,
        env: { ...base, ...helper.env },
        configArgs: helper.configArgs,
        secrets: [creds.password, ...(split.password ? [split.password] : [])],
      },
    };
  }

  private askpassPath(): Promise<string> {
    this.askpass ??= writeAskpassScript(this.deps.cacheDir).catch((e: unknown) => {
      this.askpass = undefined;
      throw e;
    });
    return this.askpass;
  }
}
