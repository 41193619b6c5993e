import type { ResolvedTool } from './tool-resolver.port.js';

export interface PlanRequest {
  /** Absolute path of the repo root in the job's checkout. */
  readonly repoRoot: string;
  /** Absolute stack dir inside `repoRoot`. */
  readonly stackDir: string;
  readonly tool: ResolvedTool;
  /** Pass `-lock=false` (the default) so drift checks never block real applies. */
  readonly lockState: boolean;
  /** Kills the whole process tree after this long. */
  readonly timeoutMs: number;
  /** A private scratch dir for this run (TF_DATA_DIR, plan file); removed by the caller. */
  readonly scratchDir: string;
  /** Extra environment for the tool (e.g. credentials the operator configured); never logged. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What the tools said. Classification and redaction happen in the domain, not here. */
export type PlanOutcome =
  /** `plan` exited 0 or 2 and `show -json` produced the JSON plan document. */
  | {
      readonly kind: 'planned';
      readonly exitCode: 0 | 2;
      /** The `show -json` document text. */
      readonly planJson: string;
      /** Human plan output (stdout+stderr of init/plan), ANSI-free, not yet redacted. */
      readonly planText: string;
    }
  /** init or plan exited 1 (or show failed): terraform reported an error. */
  | {
      readonly kind: 'failed';
      readonly stage: 'init' | 'plan' | 'show';
      readonly exitCode: number;
      /** Output so far including the diagnostics, not yet redacted. */
      readonly planText: string;
      /** The (partial) JSON plan if one was written (`errored: true`). */
      readonly planJson?: string;
      /** True when the failure looks like a download/network problem (provider registry unreachable). */
      readonly transient: boolean;
    }
  /** Stopped after `timeoutMs` (process tree killed). */
  | { readonly kind: 'timeout'; readonly planText: string }
  /** Stopped because the signal aborted (task canceled / worker draining). */
  | { readonly kind: 'canceled'; readonly planText: string };

/**
 * Runs the read-only plan of one stack: `init`, `plan -detailed-exitcode -out`, `show -json`. Never any
 * other subcommand. Returns outcomes as data; throws only for programmer errors or when the binary
 * cannot be started at all (`DRIFTD_TOOL_UNAVAILABLE`).
 */
export interface PlanRunner {
  run(request: PlanRequest, signal: AbortSignal): Promise<PlanOutcome>;
}
