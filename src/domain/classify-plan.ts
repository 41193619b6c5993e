import type { DriftResult } from './drift-result.js';

/** What the classifier reads: the `show -json` document text (null when none) and the plan exit code. */
export interface ClassifyInput {
  readonly planJson: string | null;
  /** `plan -detailed-exitcode` result when known (0, 1, 2), else null. */
  readonly exitCode: number | null;
  /** Diagnostics text (stderr) to keep when the plan failed. */
  readonly diagnosticsText?: string;
}

/**
 * Classifies one plan into a DriftResult from the JSON plan, whatever the exit code.
 * Owned by the execution work (issue 4): see terraform-contract.md §7 and fixtures INDEX.md.
 */
export function classifyPlan(_input: ClassifyInput): DriftResult {
  throw new Error('classifyPlan: not implemented yet (execution issue)');
}
