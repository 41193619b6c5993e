import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DriftdError } from '../../domain/errors.js';
import { stripAnsi } from '../../domain/plan/ansi.js';
import type { PlanOutcome, PlanRequest, PlanRunner } from '../../ports/plan-runner.port.js';
import { buildPlanEnv } from './plan-env.js';
import { extractPlanJson, looksTransient } from './plan-output.js';
import { type CacheLockOptions, withPluginCacheLock } from './plugin-cache-lock.js';
import { type ProcessRun, runProcessTree } from './process-tree.js';
import { assertReadOnly, ensureGuardScript } from './read-only-guard.js';
import { invocationFor, type Stage, type TerragruntSettings, terragruntEnv } from './tool-args.js';

export interface TerraformPlanRunnerOptions {
  /** Worker cache root: `terraform/plugins` (shared provider cache) and `terragrunt/download` live here. */
  readonly cacheDir: string;
  /** SIGINT → SIGKILL grace when a run is stopped (default 10 s). */
  readonly killGraceMs?: number;
  /** Environment the operator configured for every plan (credentials); never logged. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Plugin cache lock tuning (tests). */
  readonly cacheLock?: CacheLockOptions;
}

interface RunContext {
  readonly request: PlanRequest;
  readonly env: Record<string, string>;
  readonly signal: AbortSignal;
  readonly planFile: string;
  readonly terragrunt?: TerragruntSettings;
  readonly output: string[];
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * PlanRunner over the terraform / tofu / terragrunt CLIs (execa, argument arrays, no shell). Runs
 * `init`, `plan -detailed-exitcode -out`, `show -json` and nothing else; each run gets its own
 * TF_DATA_DIR in the scratch dir while providers come from one shared, init-serialised plugin cache.
 */
export class TerraformPlanRunner implements PlanRunner {
  private readonly pluginCacheDir: string;
  private readonly killGraceMs: number;

  constructor(private readonly options: TerraformPlanRunnerOptions) {
    this.pluginCacheDir = path.join(options.cacheDir, 'terraform', 'plugins');
    this.killGraceMs = options.killGraceMs ?? 10_000;
  }

  async run(request: PlanRequest, signal: AbortSignal): Promise<PlanOutcome> {
    this.validate(request);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
    const combined = AbortSignal.any([signal, timeout.signal]);
    try {
      const context = await this.prepare(request, combined);
      const outcome = await this.stages(context);
      if (outcome !== 'stopped') return outcome;
      const planText = stripAnsi(context.output.join(''));
      return signal.aborted ? { kind: 'canceled', planText } : { kind: 'timeout', planText };
    } finally {
      clearTimeout(timer);
    }
  }

  private validate(request: PlanRequest): void {
    for (const dir of [request.repoRoot, request.stackDir, request.scratchDir]) {
      if (!path.isAbsolute(dir)) throw new DriftdError('DRIFTD_UNSAFE_PATH', `not an absolute path: ${dir}`);
    }
    if (!isInside(request.repoRoot, request.stackDir)) {
      throw new DriftdError(
        'DRIFTD_UNSAFE_PATH',
        `stack dir ${request.stackDir} is outside the repo checkout`,
      );
    }
  }

  private async prepare(request: PlanRequest, signal: AbortSignal): Promise<RunContext> {
    const dataDir = path.join(request.scratchDir, 'tf-data');
    await mkdir(dataDir, { recursive: true });
    await mkdir(this.pluginCacheDir, { recursive: true });
    let terragrunt: TerragruntSettings | undefined;
    if (request.tool.main.name === 'terragrunt') {
      const iac = request.tool.iac;
      if (!iac)
        throw new DriftdError(
          'DRIFTD_TOOL_UNAVAILABLE',
          'terragrunt needs a terraform or tofu binary to drive',
        );
      const downloadDir = path.join(this.options.cacheDir, 'terragrunt', 'download');
      await mkdir(downloadDir, { recursive: true });
      terragrunt = { downloadDir, guardPath: await ensureGuardScript(this.options.cacheDir, iac.path) };
    }
    const env = buildPlanEnv({
      parent: process.env,
      extra: [this.options.extraEnv, request.env],
      dataDir,
      pluginCacheDir: this.pluginCacheDir,
      ...(terragrunt ? { terragrunt: terragruntEnv(terragrunt) } : {}),
    });
    const planFile = path.join(request.scratchDir, 'plan.tfplan');
    return { request, env, signal, planFile, output: [], ...(terragrunt ? { terragrunt } : {}) };
  }

  private async exec(context: RunContext, stage: Stage): Promise<ProcessRun> {
    const { request } = context;
    const invocation = invocationFor(
      request.tool,
      stage,
      context.planFile,
      request.lockState,
      context.terragrunt,
    );
    assertReadOnly(invocation.args);
    const run = await runProcessTree(invocation.file, invocation.args, {
      cwd: request.stackDir,
      env: context.env,
      signal: context.signal,
      killGraceMs: this.killGraceMs,
    });
    if (run.spawnError) {
      throw new DriftdError('DRIFTD_TOOL_UNAVAILABLE', `cannot start ${invocation.file} (${run.spawnError})`);
    }
    if (stage !== 'show') context.output.push(run.all);
    return run;
  }

  private async init(context: RunContext): Promise<ProcessRun | 'stopped'> {
    // Provider installs into the shared cache are not concurrency safe: one init at a time per cache.
    const locked = await withPluginCacheLock(
      this.pluginCacheDir,
      context.signal,
      () => this.exec(context, 'init'),
      this.options.cacheLock,
    );
    return locked.acquired ? locked.value : 'stopped';
  }

  private async stages(context: RunContext): Promise<PlanOutcome | 'stopped'> {
    const text = () => stripAnsi(context.output.join(''));
    const init = await this.init(context);
    if (init === 'stopped' || init.stopped) return 'stopped';
    if (init.exitCode !== 0) {
      const planText = text();
      return {
        kind: 'failed',
        stage: 'init',
        exitCode: init.exitCode ?? 1,
        planText,
        transient: looksTransient(planText),
      };
    }
    const plan = await this.exec(context, 'plan');
    if (plan.stopped) return 'stopped';
    if (plan.exitCode !== 0 && plan.exitCode !== 2) {
      const partial = await this.showPartial(context);
      if (partial === 'stopped') return 'stopped';
      return {
        kind: 'failed',
        stage: 'plan',
        exitCode: plan.exitCode ?? 1,
        planText: text(),
        ...(partial ? { planJson: partial } : {}),
        transient: looksTransient(plan.all),
      };
    }
    const show = await this.exec(context, 'show');
    if (show.stopped) return 'stopped';
    const planJson = show.exitCode === 0 ? extractPlanJson(show.stdout) : undefined;
    if (planJson === undefined) {
      context.output.push(show.all);
      return {
        kind: 'failed',
        stage: 'show',
        exitCode: show.exitCode ?? 1,
        planText: text(),
        transient: false,
      };
    }
    return { kind: 'planned', exitCode: plan.exitCode, planJson, planText: text() };
  }

  /** Terraform >= 1.4 writes the partial plan on error; its JSON says `errored: true` (contract §4.2). */
  private async showPartial(context: RunContext): Promise<string | undefined | 'stopped'> {
    if (!existsSync(context.planFile)) return undefined;
    const show = await this.exec(context, 'show');
    if (show.stopped) return 'stopped';
    return show.exitCode === 0 ? extractPlanJson(show.stdout) : undefined;
  }
}
