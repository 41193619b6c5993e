import type { StackDetail } from '../../app/read-models.js';
import type { DriftResult } from '../../domain/drift-result.js';
import type { StackPath } from '../../domain/ids.js';
import { ROOT_STACK } from '../../domain/ids.js';
import type { HistoryEntry, StackRun } from '../../domain/stack-run.js';
import { iso, presentStackSummary, presentSummary, presentTool } from './presenters.js';

type Json = Record<string, unknown>;

/**
 * The URL of a stack action: each segment percent-encoded, the root stack written `.`
 * (`/api/repos/r/stacks/./plan`; clients that drop dot segments send `/stacks/plan`, which means the same).
 */
export function stackActionUrl(repo: string, stack: StackPath, action: 'plan' | 'history' | 'scan'): string {
  const path = stack === ROOT_STACK ? '.' : stack.split('/').map(encodeURIComponent).join('/');
  return `/api/repos/${encodeURIComponent(repo)}/stacks/${path}/${action}`;
}

/** A DriftResult as stored: the verdict, per-resource entries (attribute paths, never values), diagnostics. */
export function presentDriftResult(r: DriftResult): Json {
  return {
    status: r.status,
    kinds: [...r.kinds],
    summary: presentSummary(r.summary),
    resources: r.resources.map((e) => ({
      address: e.address,
      previous_address: e.previousAddress ?? null,
      actions: [...e.actions],
      kind: e.kind,
      changed_attributes: [...e.changedAttributes],
      reason: e.reason ?? null,
    })),
    outputs: r.outputs.map((o) => ({ name: o.name, actions: [...o.actions] })),
    error: r.error ?? null,
    diagnostics: r.diagnostics.map((d) => ({
      severity: d.severity,
      summary: d.summary,
      detail: d.detail ?? null,
      address: d.address ?? null,
      file: d.file ?? null,
      line: d.line ?? null,
    })),
    format_version: r.formatVersion ?? null,
    terraform_version: r.terraformVersion ?? null,
  };
}

export function presentStackRun(run: StackRun): Json {
  return {
    task_id: run.taskId,
    job_id: run.jobId,
    attempt: run.attempt,
    commit: run.commit ?? null,
    trigger: { kind: run.trigger.kind, commit: run.trigger.commit ?? null, actor: run.trigger.actor ?? null },
    failure: run.failure ?? null,
    tool: presentTool(run.tool),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    duration_ms: run.finishedAt - run.startedAt,
    result: presentDriftResult(run.result),
  };
}

/** The stack detail route: summary fields, the latest run with its full DriftResult, and links. */
export function presentStackDetail(d: StackDetail): Json {
  const { repo, stack } = d.summary;
  return {
    ...presentStackSummary(d.summary),
    latest: d.latest ? presentStackRun(d.latest) : null,
    plan_url: d.hasPlanText ? stackActionUrl(repo, stack, 'plan') : null,
    history_url: stackActionUrl(repo, stack, 'history'),
  };
}

export function presentHistoryEntry(h: HistoryEntry): Json {
  return {
    task_id: h.taskId,
    job_id: h.jobId,
    commit: h.commit ?? null,
    status: h.status,
    kinds: [...h.kinds],
    summary: presentSummary(h.summary),
    failure: h.failure ?? null,
    error: h.error ?? null,
    trigger: h.trigger,
    tool: presentTool(h.tool),
    finished_at: iso(h.finishedAt),
    duration_ms: h.durationMs,
  };
}
