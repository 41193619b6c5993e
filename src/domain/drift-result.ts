/**
 * The classified outcome of one plan. Built by the classifier (`classify-plan.ts`) from the JSON plan,
 * stored durably by the ResultStore, shown by the API and UI.
 */
export type DriftStatus = 'in_sync' | 'drifted' | 'error';

/**
 * Why a stack is drifted:
 * - `drift`: real objects changed outside Terraform (`resource_drift`).
 * - `unapplied`: the code asks for changes not explained by drift (resource changes, moves, imports,
 *   root output changes).
 */
export type DriftKind = 'drift' | 'unapplied';

/** How one resource entry contributes to the verdict. */
export type ResourceEntryKind =
  /** Changed outside Terraform; the next apply will not revert it (config does not manage the attribute). */
  | 'drift'
  /** Changed outside Terraform and the next apply would revert it. */
  | 'drift_reverted'
  /** A planned change that comes from the code (create/update/delete/replace/read/forget). */
  | 'unapplied'
  /** An address move only (`moved` block). */
  | 'move'
  /** A config-driven import. */
  | 'import';

export interface ResourceEntry {
  readonly address: string;
  readonly previousAddress?: string;
  /** Terraform's action list, e.g. `["update"]`, `["delete","create"]`. */
  readonly actions: readonly string[];
  readonly kind: ResourceEntryKind;
  /** Top-level attribute paths whose values differ (`tags.env`, `input`). Never values. */
  readonly changedAttributes: readonly string[];
  /** Terraform's `action_reason`, when given. */
  readonly reason?: string;
}

export interface OutputEntry {
  readonly name: string;
  readonly actions: readonly string[];
}

export interface DriftSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
  readonly move: number;
  /** Resources changed outside Terraform. */
  readonly drifted: number;
  /** Root output values the plan would change. */
  readonly outputs: number;
}

export interface PlanDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly file?: string;
  readonly line?: number;
}

export interface DriftResult {
  readonly status: DriftStatus;
  /** Empty unless `drifted`. */
  readonly kinds: readonly DriftKind[];
  readonly summary: DriftSummary;
  readonly resources: readonly ResourceEntry[];
  readonly outputs: readonly OutputEntry[];
  /** Set when `status` is `error`: one line saying what went wrong. */
  readonly error?: string;
  readonly diagnostics: readonly PlanDiagnostic[];
  /** `format_version` and `terraform_version` of the JSON plan, when there was one. */
  readonly formatVersion?: string;
  readonly terraformVersion?: string;
}

export const EMPTY_SUMMARY: DriftSummary = Object.freeze({
  add: 0,
  change: 0,
  destroy: 0,
  import: 0,
  move: 0,
  drifted: 0,
  outputs: 0,
});

/** A DriftResult for a failure that produced no usable plan. */
export function errorResult(message: string, diagnostics: readonly PlanDiagnostic[] = []): DriftResult {
  return {
    status: 'error',
    kinds: [],
    summary: EMPTY_SUMMARY,
    resources: [],
    outputs: [],
    error: message,
    diagnostics,
  };
}
