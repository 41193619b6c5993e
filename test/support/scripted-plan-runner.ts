import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import type { PlanOutcome, PlanRequest, PlanRunner } from '../../src/ports/plan-runner.port.js';
import type { ResolvedTool, ToolRequest, ToolResolver } from '../../src/ports/tool-resolver.port.js';

/** A minimal `show -json` document with nothing to change. */
export const IN_SYNC_PLAN = JSON.stringify({
  format_version: '1.2',
  terraform_version: '1.7.5',
  resource_changes: [
    {
      address: 'null_resource.a',
      mode: 'managed',
      type: 'null_resource',
      name: 'a',
      change: { actions: ['no-op'], before: {}, after: {} },
    },
  ],
  errored: false,
});

/** A `show -json` document where `null_resource.a` was changed outside Terraform (drift only). */
export const DRIFTED_PLAN = JSON.stringify({
  format_version: '1.2',
  terraform_version: '1.7.5',
  resource_drift: [
    {
      address: 'null_resource.a',
      mode: 'managed',
      type: 'null_resource',
      name: 'a',
      change: { actions: ['update'], before: { tags: { env: 'prod' } }, after: { tags: { env: 'manual' } } },
    },
  ],
  resource_changes: [
    {
      address: 'null_resource.a',
      mode: 'managed',
      type: 'null_resource',
      name: 'a',
      change: { actions: ['no-op'], before: {}, after: {} },
    },
  ],
  errored: false,
});

export const inSync = (planText = 'No changes.'): PlanOutcome => ({
  kind: 'planned',
  exitCode: 0,
  planJson: IN_SYNC_PLAN,
  planText,
});
export const drifted = (planText = 'Objects have changed outside of Terraform'): PlanOutcome => ({
  kind: 'planned',
  exitCode: 2,
  planJson: DRIFTED_PLAN,
  planText,
});
export const planFailed = (planText: string, transient = false): PlanOutcome => ({
  kind: 'failed',
  stage: 'plan',
  exitCode: 1,
  planText,
  transient,
});

export type Step =
  | { readonly outcome: PlanOutcome; readonly delayMs?: number }
  /** Runs until the signal aborts (→ `canceled`) or the test calls `release(stack, outcome)`. */
  | { readonly hold: true };

export interface RunRecord {
  readonly stack: string;
  readonly request: PlanRequest;
}

/**
 * A PlanRunner that plays a script per stack: step i answers the stack's i-th run (the last step repeats),
 * after an optional delay. An abort during a delay or a hold returns `canceled`, as the real runner does.
 */
export class ScriptedPlanRunner implements PlanRunner {
  readonly runs: RunRecord[] = [];
  running = 0;
  maxRunning = 0;
  private readonly scripts = new Map<string, Step[]>();
  private readonly counts = new Map<string, number>();
  private readonly held = new Map<string, (outcome: PlanOutcome) => void>();
  private readonly startWaiters: { stack: string; resolve: () => void }[] = [];

  constructor(private readonly fallback: Step = { outcome: inSync() }) {}

  script(stack: string, ...steps: Step[]): this {
    this.scripts.set(stack, steps);
    return this;
  }

  /** Resolves when a run of `stack` is in progress (now or later). */
  started(stack: string): Promise<void> {
    if (this.held.has(stack)) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push({ stack, resolve }));
  }

  /** Ends a held run of `stack` with `outcome`. */
  release(stack: string, outcome: PlanOutcome = inSync()): void {
    const finish = this.held.get(stack);
    if (!finish) throw new Error(`no held run of ${stack}`);
    finish(outcome);
  }

  runsOf(stack: string): number {
    return this.counts.get(stack) ?? 0;
  }

  async run(request: PlanRequest, signal: AbortSignal): Promise<PlanOutcome> {
    const stack = relative(realpathSync(request.repoRoot), request.stackDir) || '.';
    const n = this.counts.get(stack) ?? 0;
    this.counts.set(stack, n + 1);
    this.runs.push({ stack, request });
    const steps = this.scripts.get(stack) ?? [this.fallback];
    const step = steps[Math.min(n, steps.length - 1)] ?? this.fallback;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      return await this.play(stack, step, signal);
    } finally {
      this.running--;
    }
  }

  private play(stack: string, step: Step, signal: AbortSignal): Promise<PlanOutcome> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: PlanOutcome) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.held.delete(stack);
        resolve(outcome);
      };
      const onAbort = () => finish({ kind: 'canceled', planText: 'interrupted' });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      if ('hold' in step) {
        this.held.set(stack, finish);
      } else {
        timer = setTimeout(() => finish(step.outcome), step.delayMs ?? 0);
        this.held.set(stack, finish);
      }
      for (const w of this.startWaiters.filter((x) => x.stack === stack)) w.resolve();
      this.startWaiters.splice(
        0,
        this.startWaiters.length,
        ...this.startWaiters.filter((x) => x.stack !== stack),
      );
    });
  }
}

/** A ToolResolver that always answers the same binary (named after the requested tool). */
export class StaticToolResolver implements ToolResolver {
  readonly requests: ToolRequest[] = [];

  async resolve(request: ToolRequest): Promise<{ readonly ok: true; readonly tool: ResolvedTool }> {
    this.requests.push(request);
    const main = {
      name: request.tool,
      version: '1.7.5',
      path: `/usr/bin/${request.tool}`,
      source: 'default',
    };
    return { ok: true, tool: { main } };
  }
}
