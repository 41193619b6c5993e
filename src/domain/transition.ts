import type { DomainEvent } from './events.js';
import type { Result } from './result.js';

/** Why a transition was refused. */
export type TransitionError =
  | {
      readonly code: 'invalid_transition';
      readonly entity: 'task' | 'job';
      readonly from: string;
      readonly to: string;
    }
  /** The caller's lease token is not the job's current one (its lease was taken over). */
  | { readonly code: 'lease_mismatch' }
  /** The lease has not expired yet. */
  | { readonly code: 'lease_active' };

export type Transition<T> = Result<
  { readonly state: T; readonly events: readonly DomainEvent[] },
  TransitionError
>;

/** Whether `to` is a legal next status of `from` in `table`. */
export function canTransition<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  from: S,
  to: S,
): boolean {
  return table[from].includes(to);
}
