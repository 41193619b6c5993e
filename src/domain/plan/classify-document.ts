import type { DriftKind, DriftSummary, OutputEntry, ResourceEntry } from '../drift-result.js';
import { type AttributePath, changedPaths, formatPath, restoresValue } from './attribute-paths.js';
import type { PlanChange, PlanDocument, RelevantAttribute } from './plan-document.js';

export interface DocumentVerdict {
  readonly kinds: readonly DriftKind[];
  readonly summary: DriftSummary;
  readonly resources: readonly ResourceEntry[];
  readonly outputs: readonly OutputEntry[];
}

function isNoOp(actions: readonly string[]): boolean {
  return actions.length === 0 || (actions.length === 1 && actions[0] === 'no-op');
}

/**
 * True when every attribute the planned change sets is put back to the drift entry's `before` value:
 * the change only undoes the out-of-band change (fixtures 10/21: update; 32: deleted then re-created).
 * Values known only after apply (ids of a re-created object) do not count against a revert.
 */
function revertsDrift(change: PlanChange, drift: PlanChange): boolean {
  if (change.previousAddress !== undefined || change.importing || isNoOp(change.actions)) return false;
  const planned = changedPaths(change.before, change.after, change.afterUnknown);
  let restored = 0;
  for (const path of planned) {
    const result = restoresValue(change.after, change.afterUnknown, drift.before, path);
    if (result === false) return false;
    if (result === true) restored += 1;
  }
  return restored > 0;
}

/** A planned change that puts back at least one drifted attribute (possibly besides code changes). */
function touchesDrift(change: PlanChange, drift: PlanChange, drifted: readonly AttributePath[]): boolean {
  if (isNoOp(change.actions)) return false;
  return drifted.some(
    (path) => restoresValue(change.after, change.afterUnknown, drift.before, path) === true,
  );
}

function relevantTo(
  relevant: readonly RelevantAttribute[],
  drift: PlanChange,
  drifted: readonly AttributePath[],
) {
  const names = new Set(drifted.map((p) => p[0]));
  return relevant.some(
    (r) => r.resource === drift.address && (r.attribute.length === 0 || names.has(String(r.attribute[0]))),
  );
}

function driftEntry(drift: PlanChange, doc: PlanDocument, changes: Map<string, PlanChange>): ResourceEntry {
  const drifted = changedPaths(drift.before, drift.after, undefined);
  const planned = changes.get(drift.address);
  const reverted =
    (planned !== undefined && touchesDrift(planned, drift, drifted)) ||
    relevantTo(doc.relevant, drift, drifted);
  return {
    address: drift.address,
    ...(drift.previousAddress === undefined ? {} : { previousAddress: drift.previousAddress }),
    actions: drift.actions,
    kind: reverted ? 'drift_reverted' : 'drift',
    changedAttributes: drifted.map(formatPath),
    ...(drift.reason === undefined ? {} : { reason: drift.reason }),
  };
}

function changeEntry(change: PlanChange, drifts: Map<string, PlanChange>): ResourceEntry | undefined {
  const noOp = isNoOp(change.actions);
  if (noOp && change.previousAddress === undefined && !change.importing) return undefined;
  const drift = drifts.get(change.address);
  if (drift !== undefined && revertsDrift(change, drift)) return undefined;
  return {
    address: change.address,
    ...(change.previousAddress === undefined ? {} : { previousAddress: change.previousAddress }),
    actions: change.actions,
    kind: change.importing ? 'import' : noOp ? 'move' : 'unapplied',
    changedAttributes: noOp
      ? []
      : changedPaths(change.before, change.after, change.afterUnknown).map(formatPath),
    ...(change.reason === undefined ? {} : { reason: change.reason }),
  };
}

/** Terraform 0.12/0.13 reported unchanged outputs as `create` (fixture 01) and ignored them for the exit code. */
function outputsCount(terraformVersion: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)/.exec(terraformVersion ?? '');
  if (!match) return true;
  return Number(match[1]) > 0 || Number(match[2]) >= 14;
}

function summarize(doc: PlanDocument, drifted: number, outputs: number): DriftSummary {
  const has = (c: PlanChange, action: string) => c.actions.includes(action);
  const count = (predicate: (c: PlanChange) => boolean) => doc.changes.filter(predicate).length;
  return {
    add: count((c) => has(c, 'create')),
    change: count((c) => has(c, 'update')),
    destroy: count((c) => has(c, 'delete')),
    import: count((c) => c.importing),
    move: count((c) => c.previousAddress !== undefined),
    drifted,
    outputs,
  };
}

/**
 * Classifies a valid, non-errored plan document. Drift = `resource_drift` entries other than no-op (a
 * no-op entry is only a move seen by refresh-only mode). Unapplied = resource changes other than no-op
 * (reads included), moves, imports and root output changes, except changes that only revert drift.
 * Summary counts follow Terraform's own `Plan:` line (reverts included; replace counts as add + destroy).
 */
export function classifyDocument(doc: PlanDocument): DocumentVerdict {
  const drifts = new Map(doc.drift.filter((d) => !isNoOp(d.actions)).map((d) => [d.address, d]));
  const changes = new Map(doc.changes.map((c) => [c.address, c]));
  const driftEntries = [...drifts.values()].map((d) => driftEntry(d, doc, changes));
  const changeEntries = doc.changes.flatMap((c) => changeEntry(c, drifts) ?? []);
  const outputs = outputsCount(doc.terraformVersion) ? doc.outputs.filter((o) => !isNoOp(o.actions)) : [];
  const kinds: DriftKind[] = [];
  if (driftEntries.length > 0) kinds.push('drift');
  if (changeEntries.length > 0 || outputs.length > 0) kinds.push('unapplied');
  return {
    kinds,
    summary: summarize(doc, driftEntries.length, outputs.length),
    resources: [...driftEntries, ...changeEntries],
    outputs,
  };
}
