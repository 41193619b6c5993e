import { access, mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { classifyPlan } from '../../domain/classify-plan.js';
import type { DriftResult } from '../../domain/drift-result.js';
import { errorResult } from '../../domain/drift-result.js';
import { isDriftdError } from '../../domain/errors.js';
import type { FailureKind, JobFailure } from '../../domain/failure.js';
import { formatDuration } from '../../domain/lock-policy.js';
import { redactPlanText } from '../../domain/redact.js';
import type { ToolUsed } from '../../domain/stack-run.js';
import type { ClaimedJob } from '../../ports/job-queue.port.js';
import type { PlanOutcome, PlanRunner } from '../../ports/plan-runner.port.js';
import type { Checkout, RepoSource } from '../../ports/repo-source.port.js';
import type { ResolvedTool, ToolResolver } from '../../ports/tool-resolver.port.js';
import type { RepoConfig, WorkerConfig } from '../config/types.js';
import { toRepoSpec } from '../repo-spec.js';

/** Stored plan text is capped at 1 MiB (after redaction). */
export const MAX_PLAN_TEXT_BYTES = 1024 * 1024;

/** What one attempt at a stack produced, before it is recorded and settled. */
export interface StackOutcome {
  /** `in_sync`/`drifted` without `failure`; otherwise an error result (with diagnostics when terraform ran). */
  readonly result: DriftResult;
  readonly failure?: JobFailure;
  /** The run stopped because its signal aborted: nothing to settle. */
  readonly aborted: boolean;
  /** Terraform ran and reported the error, so the result summary belongs on the failed job. */
  readonly terraformRan: boolean;
  /** Redacted and capped. */
  readonly planText: string;
  readonly tool?: ToolUsed;
}

export interface RunStackDeps {
  repoSource: RepoSource;
  toolResolver: ToolResolver;
  planRunner: PlanRunner;
  workerConfig: WorkerConfig;
  /** Where secrets the worker knows are read from (the repo's token env var), to mask them in plan text. */
  env: Readonly<Record<string, string | undefined>>;
}

export function failed(kind: FailureKind, message: string, extra: Partial<StackOutcome> = {}): StackOutcome {
  return {
    result: errorResult(message),
    failure: { kind, message: oneLine(message) },
    aborted: false,
    terraformRan: false,
    planText: '',
    ...extra,
  };
}

const aborted = (planText = ''): StackOutcome => ({
  ...failed('canceled', 'canceled'),
  aborted: true,
  planText,
});

/**
 * Plans one stack of a claimed job: checkout of the pinned commit, tool resolution, the plan, and the
 * verdict. Everything that can go wrong with the stack is returned as a failure outcome; the checkout and
 * the scratch dir are always removed.
 */
export async function runStack(
  deps: RunStackDeps,
  repo: RepoConfig,
  claimed: ClaimedJob,
  signal: AbortSignal,
): Promise<StackOutcome> {
  const commit = claimed.job.commit ?? claimed.task.commit;
  if (commit === undefined) return failed('config_error', `task ${claimed.task.id} has no pinned commit`);
  let checkout: Checkout;
  try {
    checkout = await deps.repoSource.checkout(toRepoSpec(repo), commit, claimed.task.id, claimed.job.id);
  } catch (error) {
    if (signal.aborted) return aborted();
    return checkoutFailure(repo, error);
  }
  try {
    if (signal.aborted) return aborted();
    return await planInCheckout(deps, repo, claimed, checkout, signal);
  } finally {
    await checkout.dispose();
  }
}

function checkoutFailure(repo: RepoConfig, error: unknown): StackOutcome {
  if (isDriftdError(error, 'DRIFTD_REPO_NOT_FOUND')) return failed('config_error', error.message);
  if (isDriftdError(error)) return failed('fetch_error', error.message);
  return failed('fetch_error', `checkout of repo ${repo.name} failed`);
}

async function planInCheckout(
  deps: RunStackDeps,
  repo: RepoConfig,
  claimed: ClaimedJob,
  checkout: Checkout,
  signal: AbortSignal,
): Promise<StackOutcome> {
  const { stack } = claimed.job;
  const stackDir = await stackDirInside(checkout.root, stack);
  if (stackDir === null) {
    return failed('config_error', `stack ${stack} does not exist at commit ${checkout.commit.slice(0, 7)}`);
  }
  const tool = (await exists(join(stackDir, 'terragrunt.hcl'))) ? 'terragrunt' : repo.tool;
  const resolved = await deps.toolResolver.resolve(
    { repoRoot: checkout.root, stackDir, tool, iacTool: repo.tool },
    signal,
  );
  if (signal.aborted) return aborted();
  if (!resolved.ok) return failed(resolved.error.kind, resolved.error.message);
  const scratchRoot = join(deps.workerConfig.workDir, 'scratch');
  await mkdir(scratchRoot, { recursive: true });
  const scratchDir = await mkdtemp(join(scratchRoot, 'job-'));
  try {
    const outcome = await deps.planRunner.run(
      {
        repoRoot: checkout.root,
        stackDir,
        tool: resolved.tool,
        lockState: repo.planLock,
        timeoutMs: deps.workerConfig.stackTimeoutMs,
        scratchDir,
      },
      signal,
    );
    return verdict(deps, repo, outcome, resolved.tool);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** The stack dir, or null when it is missing, not a directory, or escapes the checkout (symlink). */
async function stackDirInside(root: string, stack: string): Promise<string | null> {
  try {
    const realRoot = await realpath(root);
    const dir = await realpath(stack === '.' ? root : join(root, stack));
    if (dir !== realRoot && !dir.startsWith(realRoot + sep)) return null;
    return (await stat(dir)).isDirectory() ? dir : null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function secretsOf(repo: RepoConfig, env: RunStackDeps['env']): string[] {
  if (repo.git.type !== 'https') return [];
  const token = env[repo.git.tokenEnv];
  return token ? [token] : [];
}

/** Maps what the tools said to a verdict; plan text is redacted before it goes anywhere. */
function verdict(
  deps: RunStackDeps,
  repo: RepoConfig,
  outcome: PlanOutcome,
  resolved: ResolvedTool,
): StackOutcome {
  const tool: ToolUsed = { name: resolved.main.name, version: resolved.main.version };
  const planJson =
    outcome.kind === 'planned' || outcome.kind === 'failed' ? (outcome.planJson ?? null) : null;
  const planText = redactPlanText(outcome.planText, {
    planJson,
    secrets: secretsOf(repo, deps.env),
    maxBytes: MAX_PLAN_TEXT_BYTES,
  });
  switch (outcome.kind) {
    case 'canceled':
      return { ...aborted(planText), tool };
    case 'timeout': {
      const message = `plan timed out after ${formatDuration(deps.workerConfig.stackTimeoutMs)} (worker.stack_timeout)`;
      return failed('timeout', message, { planText, tool });
    }
    case 'planned': {
      const result = classifyPlan({ planJson: outcome.planJson, exitCode: outcome.exitCode });
      if (result.status !== 'error') return { result, aborted: false, terraformRan: true, planText, tool };
      const message = result.error ?? `${tool.name} plan reported an error`;
      return failed('terraform_error', message, { result, terraformRan: true, planText, tool });
    }
    case 'failed': {
      const classified = classifyPlan({ planJson, exitCode: outcome.exitCode, diagnosticsText: planText });
      const message = `${tool.name} ${outcome.stage} failed: ${classified.error ?? `exit code ${outcome.exitCode}`}`;
      const result =
        classified.status === 'error' ? classified : errorResult(message, classified.diagnostics);
      const kind = outcome.transient ? 'download_error' : 'terraform_error';
      return failed(kind, message, { result, terraformRan: true, planText, tool });
    }
  }
}

function oneLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
