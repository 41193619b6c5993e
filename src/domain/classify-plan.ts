import { type DriftResult, errorResult, type PlanDiagnostic } from './drift-result.js';
import { classifyDocument } from './plan/classify-document.js';
import { parseTextDiagnostics } from './plan/diagnostics.js';
import { parsePlanDocument } from './plan/plan-document.js';

/** What the classifier reads: the `show -json` document text (null when none) and the plan exit code. */
export interface ClassifyInput {
  readonly planJson: string | null;
  /** `plan -detailed-exitcode` result when known (0, 1, 2), else null. */
  readonly exitCode: number | null;
  /** Diagnostics text (stderr) to keep when the plan failed. Pass it redacted: details are kept verbatim. */
  readonly diagnosticsText?: string;
}

function firstError(diagnostics: readonly PlanDiagnostic[]): string | undefined {
  return (diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0])?.summary;
}

function failedPlanMessage(exitCode: number | null, diagnostics: readonly PlanDiagnostic[]): string {
  const reason = firstError(diagnostics);
  const head = exitCode === null ? 'the plan failed' : `the plan failed (exit code ${exitCode})`;
  return reason === undefined ? head : `${head}: ${reason}`;
}

function isFailureExit(exitCode: number | null): boolean {
  return exitCode !== null && exitCode !== 0 && exitCode !== 2;
}

function withoutPlan(input: ClassifyInput, textDiagnostics: readonly PlanDiagnostic[]): DriftResult {
  if (isFailureExit(input.exitCode) || textDiagnostics.some((d) => d.severity === 'error')) {
    return errorResult(failedPlanMessage(input.exitCode, textDiagnostics), textDiagnostics);
  }
  return errorResult(
    'no JSON plan to classify (driftd needs `show -json` of the saved plan)',
    textDiagnostics,
  );
}

/**
 * Classifies one plan into a DriftResult from the JSON plan, whatever the exit code: a plan that exits
 * 0 can still carry drift in `resource_drift`, and exit 2 may come from a move or an output alone.
 * Error when there is no usable document (missing, not JSON, a `-json` stream, unknown major
 * `format_version`), when it says `errored: true`, or when the exit code says the plan failed.
 * Rules: terraform-contract.md §4.2, §5, §7 and the fixtures' INDEX.md. Pure: no I/O.
 */
export function classifyPlan(input: ClassifyInput): DriftResult {
  const textDiagnostics = input.diagnosticsText ? parseTextDiagnostics(input.diagnosticsText) : [];
  if (input.planJson === null || input.planJson.trim() === '') return withoutPlan(input, textDiagnostics);
  const parsed = parsePlanDocument(input.planJson);
  if (!parsed.ok) {
    const diagnostics = [...parsed.diagnostics, ...textDiagnostics];
    const message = isFailureExit(input.exitCode)
      ? failedPlanMessage(input.exitCode, diagnostics)
      : parsed.error;
    return errorResult(message, diagnostics);
  }
  const { doc } = parsed;
  const versions = {
    formatVersion: doc.formatVersion,
    ...(doc.terraformVersion === undefined ? {} : { terraformVersion: doc.terraformVersion }),
  };
  if (doc.errored || isFailureExit(input.exitCode)) {
    const message = doc.errored
      ? `the plan is marked errored${firstError(textDiagnostics) ? `: ${firstError(textDiagnostics)}` : ''}`
      : failedPlanMessage(input.exitCode, textDiagnostics);
    return { ...errorResult(message, textDiagnostics), ...versions };
  }
  const verdict = classifyDocument(doc);
  return {
    status: verdict.kinds.length > 0 ? 'drifted' : 'in_sync',
    ...verdict,
    diagnostics: textDiagnostics,
    ...versions,
  };
}
