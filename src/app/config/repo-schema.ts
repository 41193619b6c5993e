import { validateCronExpression } from 'cron';
import { z } from 'zod';
import {
  isValidRepoName,
  normalizeStackPath,
  type RepoName,
  type StackPath,
  stackPathProblem,
} from '../../domain/ids.js';
import type { GitAuth } from '../../ports/repo-source.port.js';
import {
  ALWAYS,
  bool,
  duration,
  globProblem,
  httpUrl,
  int,
  isKnownTimeZone,
  text,
} from './schema-primitives.js';
import type { RepoConfig } from './types.js';

/** The raw `repos[]` entry of config.yaml and its `git` block (spec "Git Authentication"). */

const GIT_TYPES = ['none', 'ssh', 'https', 'github_app'] as const;
type GitType = (typeof GIT_TYPES)[number];

/** Keys that belong to each git type; a key of another type is an error, not silently ignored. */
const GIT_KEYS = {
  none: [],
  ssh: ['ssh_key_path', 'ssh_known_hosts_path'],
  https: ['https_token_env', 'https_username'],
  github_app: ['github_app'],
} as const satisfies Record<GitType, readonly string[]>;

const REQUIRED_GIT_KEY: Readonly<Record<GitType, string | null>> = {
  none: null,
  ssh: 'ssh_key_path',
  https: 'https_token_env',
  github_app: 'github_app',
};

const githubAppSchema = z.strictObject({
  app_id: int(1),
  installation_id: int(1),
  private_key_path: text(),
  api_url: httpUrl().prefault('https://api.github.com'),
});

const envName = () =>
  text().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'must be an environment variable name such as GIT_TOKEN',
  });

const gitRawSchema = z.strictObject({
  type: z.enum(GIT_TYPES, { error: `must be one of ${GIT_TYPES.join(', ')}` }).default('none'),
  ssh_key_path: text().optional(),
  ssh_known_hosts_path: text().optional(),
  https_token_env: envName().optional(),
  https_username: text().optional(),
  github_app: githubAppSchema.optional(),
});
type GitRaw = z.output<typeof gitRawSchema>;

function checkGitKeys(git: GitRaw, ctx: z.RefinementCtx): void {
  for (const type of GIT_TYPES) {
    if (type === git.type) continue;
    for (const key of GIT_KEYS[type]) {
      if (git[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `does not apply to git type "${git.type}"` });
      }
    }
  }
  const required = REQUIRED_GIT_KEY[git.type];
  if (required !== null && git[required as keyof GitRaw] === undefined) {
    ctx.addIssue({ code: 'custom', path: [required], message: `is required for git type "${git.type}"` });
  }
}

function toGitAuth(git: GitRaw): GitAuth {
  switch (git.type) {
    case 'none':
      return { type: 'none' };
    case 'ssh':
      return git.ssh_known_hosts_path === undefined
        ? { type: 'ssh', sshKeyPath: git.ssh_key_path! }
        : { type: 'ssh', sshKeyPath: git.ssh_key_path!, knownHostsPath: git.ssh_known_hosts_path };
    case 'https':
      return {
        type: 'https',
        tokenEnv: git.https_token_env!,
        username: git.https_username ?? 'x-access-token',
      };
    case 'github_app': {
      const app = git.github_app!;
      return {
        type: 'github_app',
        appId: app.app_id,
        installationId: app.installation_id,
        privateKeyPath: app.private_key_path,
        apiUrl: app.api_url,
      };
    }
  }
}

export const gitSchema = gitRawSchema.superRefine(checkGitKeys).transform(toGitAuth);

const stackPath = () =>
  z.string({ error: 'must be a string' }).transform((raw, ctx): string => {
    const path = normalizeStackPath(raw);
    const problem = stackPathProblem(path);
    if (problem === null) return path;
    ctx.addIssue({ code: 'custom', message: `stack path ${problem}` });
    return z.NEVER;
  });

const stackList = () =>
  z
    .array(stackPath(), { error: 'must be a list of stack paths' })
    .min(1, { error: 'must list at least one stack (omit the key to discover stacks)' })
    .superRefine((stacks, ctx) => {
      stacks.forEach((s, i) => {
        const first = stacks.indexOf(s);
        if (typeof s === 'string' && first !== i) {
          ctx.addIssue({ code: 'custom', path: [i], message: `duplicates stacks[${first}] ("${s}")` });
        }
      });
    }, ALWAYS);

const glob = () =>
  z.string({ error: 'must be a string' }).superRefine((g, ctx) => {
    const problem = globProblem(g);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `glob ${problem}` });
  });

const cronExpression = () =>
  text().superRefine((expr, ctx) => {
    const check = validateCronExpression(expr);
    if (!check.valid) {
      const why = check.error?.message ? ` (${check.error.message})` : '';
      ctx.addIssue({ code: 'custom', message: `is not a valid cron expression${why}` });
    }
  });

const repoRawSchema = z.strictObject({
  name: text().refine((n): boolean => isValidRepoName(n), {
    error: 'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  }),
  url: text(),
  branch: text().optional(),
  cancel_inflight_on_new_trigger: bool().default(false),
  git: gitSchema.prefault({}),
  schedule: cronExpression().optional(),
  timezone: text()
    .refine(isKnownTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin or UTC' })
    .optional(),
  jitter: duration().prefault('0'),
  stacks: stackList().optional(),
  ignore_paths: z.array(glob(), { error: 'must be a list of globs' }).default([]),
  tool: z.enum(['terraform', 'tofu'], { error: 'must be terraform or tofu' }).default('terraform'),
  plan_lock: bool().default(false),
});

function toRepoConfig(r: RepoRaw): RepoConfig {
  return {
    name: r.name as RepoName,
    url: r.url,
    ...(r.branch === undefined ? {} : { branch: r.branch }),
    cancelInflightOnNewTrigger: r.cancel_inflight_on_new_trigger,
    git: r.git,
    ...(r.schedule === undefined ? {} : { schedule: r.schedule }),
    ...(r.timezone === undefined ? {} : { timezone: r.timezone }),
    jitterMs: r.jitter,
    ...(r.stacks === undefined ? {} : { stacks: r.stacks as StackPath[] }),
    ignorePaths: r.ignore_paths,
    tool: r.tool,
    planLock: r.plan_lock,
  };
}

type RepoRaw = z.output<typeof repoRawSchema>;
const repoSchema = repoRawSchema.transform(toRepoConfig);

/** `repos:`: names are unique; the message at the duplicate names the first index too. */
export const reposSchema = z
  .array(repoSchema, { error: 'must be a list of repos' })
  .default([])
  .superRefine((repos, ctx) => {
    const seen = new Map<string, number>();
    repos.forEach((repo, i) => {
      // A repo with other problems is still unparsed (snake_case), but its name key is the same.
      if (typeof repo?.name !== 'string') return;
      const first = seen.get(repo.name);
      if (first === undefined) seen.set(repo.name, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `"${repo.name}" is already the name of repos[${first}]`,
        });
      }
    });
  }, ALWAYS);
