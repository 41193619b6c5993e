import type { HistoryEntry } from '../../../domain/stack-run.js';

/**
 * When drift appeared and when it was resolved, derived from a stack's history. Canceled, timed-out and
 * lost runs say nothing about the infrastructure (as `replacesLatest`), so they never start or end drift.
 */

export type TransitionKind = 'appeared' | 'resolved' | 'failing' | 'recovered';

export interface Transition {
  readonly kind: TransitionKind;
  readonly at: number;
  readonly entry: HistoryEntry;
}

function tellsStatus(entry: HistoryEntry): boolean {
  return (
    entry.failure === undefined || entry.failure === 'terraform_error' || entry.failure === 'config_error'
  );
}

function transitionOf(
  before: HistoryEntry['status'] | null,
  now: HistoryEntry['status'],
): TransitionKind | null {
  if (before === now) return null;
  if (now === 'drifted') return 'appeared';
  if (now === 'error') return 'failing';
  if (before === 'drifted') return 'resolved';
  if (before === 'error') return 'recovered';
  return null;
}

/** Transitions, newest first, from a history given newest first. The first-ever result counts as a change. */
export function deriveTransitions(history: readonly HistoryEntry[]): Transition[] {
  const out: Transition[] = [];
  let before: HistoryEntry['status'] | null = null;
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i]!;
    if (!tellsStatus(entry)) continue;
    const kind = transitionOf(before, entry.status);
    if (kind !== null) out.push({ kind, at: entry.finishedAt, entry });
    before = entry.status;
  }
  return out.reverse();
}

/** Since when the stack has been in its current state: the newest transition, when history reaches it. */
export function currentSince(transitions: readonly Transition[]): Transition | null {
  return transitions[0] ?? null;
}
