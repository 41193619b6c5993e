import type { TaskCounters } from '../../../domain/counters.js';
import type { DriftKind, DriftStatus } from '../../../domain/drift-result.js';
import type { TaskStatus } from '../../../domain/task.js';

/**
 * Status badges: an icon AND a word, so status never depends on colour alone. `cls` picks the colour;
 * the icon is decorative (`aria-hidden` in the template) and the label carries the meaning.
 */
export interface Badge {
  readonly cls: string;
  readonly icon: string;
  readonly label: string;
}

const STACK_BADGES: Record<DriftStatus | 'unknown', Badge> = {
  in_sync: { cls: 'ok', icon: '✓', label: 'In sync' },
  drifted: { cls: 'drift', icon: '▲', label: 'Drifted' },
  error: { cls: 'err', icon: '✕', label: 'Error' },
  unknown: { cls: 'none', icon: '?', label: 'No result' },
};

const TASK_BADGES: Record<TaskStatus, Badge> = {
  created: { cls: 'run', icon: '…', label: 'Queued' },
  running: { cls: 'run', icon: '↻', label: 'Running' },
  completed: { cls: 'ok', icon: '✓', label: 'Completed' },
  failed: { cls: 'err', icon: '✕', label: 'Failed' },
  canceled: { cls: 'none', icon: '⊘', label: 'Canceled' },
};

export function stackBadge(status: DriftStatus | null): Badge {
  return STACK_BADGES[status ?? 'unknown'];
}

export function taskBadge(status: TaskStatus): Badge {
  return TASK_BADGES[status];
}

const KIND_LABELS: Record<DriftKind, string> = {
  drift: 'Changed outside Terraform',
  unapplied: 'Unapplied code',
};

export function kindLabels(kinds: readonly DriftKind[]): string[] {
  return kinds.map((k) => KIND_LABELS[k]);
}

/** The progress bar of a task: `done` of `total` with the drifted and errored so far. */
export interface ProgressView {
  readonly taskId: string;
  readonly repo: string;
  readonly total: number;
  readonly done: number;
  /** 0–100, for the bar's width. */
  readonly pct: number;
  readonly drifted: number;
  readonly errored: number;
  readonly failed: number;
  readonly label: string;
  readonly text: string;
  readonly active: boolean;
}

export function progressView(
  taskId: string,
  repo: string,
  counters: TaskCounters,
  active: boolean,
): ProgressView {
  const done = counters.completed + counters.failed;
  const total = counters.total;
  const pct = total === 0 ? 100 : Math.min(100, Math.round((done / total) * 100));
  return {
    taskId,
    repo,
    total,
    done,
    pct,
    drifted: counters.drifted,
    errored: counters.errored,
    failed: counters.failed,
    label: `Scan of ${repo}`,
    text: progressText(done, total, counters.drifted, counters.failed),
    active,
  };
}

/** Also rebuilt by app.js from live counters: keep the two in step. */
export function progressText(done: number, total: number, drifted: number, failed: number): string {
  return `${done} of ${total} done · ${drifted} drifted · ${failed} failed`;
}
