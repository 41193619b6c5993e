import type { StackDetail } from '../../../app/read-models.js';
import type { DriftResult, ResourceEntry, ResourceEntryKind } from '../../../domain/drift-result.js';
import type { HistoryEntry, StackRun } from '../../../domain/stack-run.js';
import { type Badge, stackBadge } from './badges.js';
import { formatDuration, plural, shortCommit, type TimeView, timeView } from './format.js';
import { isToolMissing, TOOL_MISSING_HINT } from './hints.js';
import type { PageView } from './page-view.js';
import { renderPlanText } from './plan-text.js';
import { stackLabel } from './repo-view.js';
import { deriveTransitions, type Transition } from './stack-history.js';
import { repoUrl, stackScanUrl, stackUrl } from './ui-paths.js';

const ENTRY_KINDS: Record<ResourceEntryKind, { label: string; cls: string }> = {
  drift: { label: 'Changed outside Terraform (not managed by the config)', cls: 'drift' },
  drift_reverted: { label: 'Changed outside Terraform; the next apply reverts it', cls: 'drift' },
  unapplied: { label: 'Unapplied code change', cls: 'chg' },
  move: { label: 'Moved address', cls: 'none' },
  import: { label: 'Import', cls: 'add' },
};

const TRANSITION_TEXT: Record<Transition['kind'], string> = {
  appeared: 'Drift appeared',
  resolved: 'Drift resolved',
  failing: 'Plan started failing',
  recovered: 'Plan recovered',
};

export interface StackView {
  readonly page: PageView;
  readonly repo: { readonly name: string; readonly url: string };
  readonly stack: {
    readonly path: string;
    readonly label: string;
    readonly url: string;
    readonly scanUrl: string;
  };
  readonly statusBadge: Badge;
  readonly verdict: { readonly title: string; readonly why: readonly string[] };
  readonly since: { readonly text: string; readonly time: TimeView | null } | null;
  readonly run: {
    readonly commit: string | null;
    readonly commitFull: string | null;
    readonly tool: string | null;
    readonly trigger: string;
    readonly actor: string | null;
    readonly finished: TimeView | null;
    readonly duration: string;
  } | null;
  readonly summary: DriftResult['summary'] | null;
  readonly resources: readonly {
    address: string;
    previous: string | null;
    actions: string;
    kind: string;
    cls: string;
    attributes: readonly string[];
    reason: string | null;
  }[];
  readonly outputs: readonly { name: string; actions: string }[];
  readonly plan: { readonly html: string; readonly lines: number } | null;
  readonly failure: {
    readonly message: string;
    readonly diagnostics: readonly {
      severity: string;
      summary: string;
      detail: string | null;
      where: string | null;
    }[];
    readonly hint: string | null;
  } | null;
  readonly history: readonly {
    badge: Badge;
    time: TimeView | null;
    trigger: string;
    commit: string | null;
    text: string;
    duration: string;
    change: string | null;
  }[];
}

function verdict(run: StackRun | null): StackView['verdict'] {
  if (run === null)
    return { title: 'No result yet', why: ['This stack has not been planned yet: press Scan.'] };
  const r = run.result;
  const at = run.commit ? ` at commit ${shortCommit(run.commit)}` : '';
  if (r.status === 'in_sync') return { title: 'In sync', why: [`The plan${at} has no changes.`] };
  if (r.status === 'error')
    return { title: 'The plan failed', why: [r.error ?? 'The plan reported an error.'] };
  const why: string[] = [];
  if (r.kinds.includes('drift')) {
    why.push(`${plural(r.summary.drifted, 'resource')} changed outside Terraform (drift).`);
  }
  if (r.kinds.includes('unapplied')) {
    const s = r.summary;
    why.push(
      `The code${at} has changes that were never applied: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`,
    );
  }
  const what = r.kinds.map((k) => (k === 'drift' ? 'changed outside Terraform' : 'unapplied code'));
  return { title: `Drifted: ${what.join(' and ')}`, why };
}

function resourceView(e: ResourceEntry) {
  const kind = ENTRY_KINDS[e.kind];
  return {
    address: e.address,
    previous: e.previousAddress ?? null,
    actions: e.actions.join(', '),
    kind: kind.label,
    cls: kind.cls,
    attributes: e.changedAttributes,
    reason: e.reason ?? null,
  };
}

function failureView(run: StackRun | null, detail: StackDetail): StackView['failure'] {
  const message = run?.result.error ?? detail.summary.error ?? null;
  if (run?.result.status !== 'error' && message === null) return null;
  const diagnostics = (run?.result.diagnostics ?? []).map((d) => ({
    severity: d.severity,
    summary: d.summary,
    detail: d.detail ?? null,
    where: d.file ? `${d.file}${d.line !== undefined ? `:${d.line}` : ''}` : (d.address ?? null),
  }));
  const text = message ?? 'The plan failed.';
  return { message: text, diagnostics, hint: isToolMissing(text) ? TOOL_MISSING_HINT : null };
}

function historyView(history: readonly HistoryEntry[], now: number): StackView['history'] {
  const changes = new Map(deriveTransitions(history).map((t) => [t.entry, TRANSITION_TEXT[t.kind]]));
  return history.map((h) => ({
    badge:
      h.failure && h.failure !== 'terraform_error'
        ? { cls: 'none', icon: '⊘', label: h.failure.replace('_', ' ') }
        : stackBadge(h.status),
    time: timeView(h.finishedAt, now),
    trigger: h.trigger,
    commit: shortCommit(h.commit),
    text: `+${h.summary.add} ~${h.summary.change} -${h.summary.destroy}`,
    duration: formatDuration(h.durationMs),
    change: changes.get(h) ?? null,
  }));
}

export function stackView(
  detail: StackDetail,
  planText: string | null,
  page: PageView,
  now: number,
): StackView {
  const { summary, latest: run } = detail;
  const newest = deriveTransitions(detail.history)[0];
  return {
    page,
    repo: { name: summary.repo, url: repoUrl(summary.repo) },
    stack: {
      path: summary.stack,
      label: stackLabel(summary.stack),
      url: stackUrl(summary.repo, summary.stack),
      scanUrl: stackScanUrl(summary.repo, summary.stack),
    },
    statusBadge: stackBadge(summary.status),
    verdict: verdict(run),
    since: newest ? { text: TRANSITION_TEXT[newest.kind], time: timeView(newest.at, now) } : null,
    run: run && {
      commit: shortCommit(run.commit),
      commitFull: run.commit ?? null,
      tool: run.tool ? `${run.tool.name} ${run.tool.version}` : null,
      trigger: run.trigger.kind,
      actor: run.trigger.actor ?? null,
      finished: timeView(run.finishedAt, now),
      duration: formatDuration(run.finishedAt - run.startedAt),
    },
    summary: run?.result.summary ?? null,
    resources: (run?.result.resources ?? []).map(resourceView),
    outputs: (run?.result.outputs ?? []).map((o) => ({ name: o.name, actions: o.actions.join(', ') })),
    plan: planText === null ? null : renderPlanText(planText),
    failure: failureView(run, detail),
    history: historyView(detail.history, now),
  };
}
