import type { PlanDiagnostic } from '../drift-result.js';
import { parseStreamDiagnostics } from './diagnostics.js';
import { asArray, asString, asStringArray, isObject, type JsonObject } from './json-value.js';

/** One `resource_changes[]` / `resource_drift[]` entry, read defensively. */
export interface PlanChange {
  readonly address: string;
  readonly previousAddress?: string;
  readonly mode?: string;
  readonly actions: readonly string[];
  readonly before: unknown;
  readonly after: unknown;
  readonly afterUnknown: unknown;
  readonly importing: boolean;
  readonly reason?: string;
}

export interface RelevantAttribute {
  readonly resource: string;
  readonly attribute: readonly unknown[];
}

/** The parts of a `show -json` plan (or an HCP redacted plan) the classifier reads. */
export interface PlanDocument {
  readonly formatVersion: string;
  readonly terraformVersion?: string;
  readonly errored: boolean;
  readonly drift: readonly PlanChange[];
  readonly changes: readonly PlanChange[];
  readonly outputs: readonly { readonly name: string; readonly actions: readonly string[] }[];
  readonly relevant: readonly RelevantAttribute[];
}

export type ParsedPlan =
  | { readonly ok: true; readonly doc: PlanDocument }
  | { readonly ok: false; readonly error: string; readonly diagnostics: readonly PlanDiagnostic[] };

/** Plan document majors this classifier understands (terraform-contract.md §5.1). */
const SUPPORTED_MAJORS = new Set(['0', '1']);
const PLAN_KEYS = ['resource_changes', 'resource_drift', 'output_changes', 'planned_values', 'prior_state'];

function readChange(raw: unknown): PlanChange | undefined {
  if (!isObject(raw)) return undefined;
  const address = asString(raw.address);
  const change = isObject(raw.change) ? raw.change : {};
  if (address === undefined) return undefined;
  return {
    address,
    previousAddress: asString(raw.previous_address),
    mode: asString(raw.mode),
    actions: asStringArray(change.actions),
    before: change.before,
    after: change.after,
    afterUnknown: change.after_unknown,
    importing: isObject(change.importing),
    reason: asString(raw.action_reason),
  };
}

function readDocument(json: JsonObject, formatVersion: string): PlanDocument {
  const outputs = isObject(json.output_changes) ? json.output_changes : {};
  return {
    formatVersion,
    terraformVersion: asString(json.terraform_version),
    errored: json.errored === true,
    drift: asArray(json.resource_drift).flatMap((r) => readChange(r) ?? []),
    changes: asArray(json.resource_changes).flatMap((r) => readChange(r) ?? []),
    outputs: Object.entries(outputs).map(([name, change]) => ({
      name,
      actions: asStringArray(isObject(change) ? change.actions : undefined),
    })),
    relevant: asArray(json.relevant_attributes).flatMap((r) =>
      isObject(r) && typeof r.resource === 'string'
        ? [{ resource: r.resource, attribute: asArray(r.attribute) }]
        : [],
    ),
  };
}

function failure(error: string, diagnostics: readonly PlanDiagnostic[] = []): ParsedPlan {
  return { ok: false, error, diagnostics };
}

/** A `plan -json` UI stream: one JSON object per line, the first a `version` message. */
function looksLikeStream(text: string): boolean {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  try {
    const line: unknown = JSON.parse(first);
    return isObject(line) && typeof line.type === 'string' && typeof line['@message'] === 'string';
  } catch {
    return false;
  }
}

function checkFormat(json: JsonObject): string | ParsedPlan {
  const version = asString(json.format_version) ?? asString(json.plan_format_version);
  if (version === undefined) return failure('the document has no format_version: not a JSON plan');
  const major = /^(\d+)\.\d+/.exec(version)?.[1];
  if (major === undefined || !SUPPORTED_MAJORS.has(major)) {
    return failure(`unsupported JSON plan format_version ${JSON.stringify(version)} (expected 0.x or 1.x)`);
  }
  if (!PLAN_KEYS.some((k) => k in json) && 'values' in json) {
    return failure('the document is a state (`show -json` without a plan file), not a JSON plan');
  }
  return version;
}

/**
 * Parses and validates a JSON plan: `show -json PLANFILE` output (format 0.x/1.x) or an HCP Terraform
 * redacted plan (`plan_format_version`). Never throws; the error text never quotes the document.
 */
export function parsePlanDocument(text: string): ParsedPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    if (looksLikeStream(text)) {
      return failure(
        'a `plan -json` message stream is not a JSON plan (use `show -json` on a saved plan)',
        parseStreamDiagnostics(text),
      );
    }
    return failure('the JSON plan is not valid JSON');
  }
  if (!isObject(json)) return failure('the JSON plan is not a JSON object');
  const version = checkFormat(json);
  return typeof version === 'string' ? { ok: true, doc: readDocument(json, version) } : version;
}
