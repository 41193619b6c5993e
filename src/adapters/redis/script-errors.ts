import { DriftdError } from '../../domain/errors.js';

/**
 * The negative codes the Lua scripts return (see each script's `Errors:` header), one table for all
 * scripts so a code means the same thing everywhere. Like BullMQ's `finishedErrors`, one function
 * turns them into domain outcomes; a code no script documents is a bug and throws.
 */
export const SCRIPT_CODES = {
  /** The job (or task) record does not exist: never created, or expired after retention. */
  [-1]: 'not_found',
  /** The caller's lease token is not the job's current one, or the job is no longer running. */
  [-2]: 'lease_lost',
  /** The job was canceled with its task: its worker stops and reports nothing. */
  [-3]: 'canceled',
  /** Another live task holds the repo. */
  [-4]: 'conflict',
  /** The caller's view of the repo's active task changed before the script ran: read again, retry. */
  [-5]: 'stale_view',
  /** The task already ended. */
  [-6]: 'not_active',
  /** A task with this id exists already. */
  [-8]: 'task_exists',
  /** The lease has not expired yet. */
  [-9]: 'lease_active',
  /** The record lacks fields the transition needs (e.g. written by another driftd version): nothing was written. */
  [-10]: 'malformed',
  /** The task a claim named is not the oldest with pending jobs (any more): claim from the head it returns. */
  [-11]: 'not_head',
} as const;

export type ScriptOutcome = (typeof SCRIPT_CODES)[keyof typeof SCRIPT_CODES];

/** The domain outcome of a negative script code. Throws `DRIFTD_INTERNAL` for a code no script returns. */
export function scriptOutcome(code: number, script: string): ScriptOutcome {
  const outcome = (SCRIPT_CODES as Record<number, ScriptOutcome | undefined>)[code];
  if (outcome === undefined) {
    throw new DriftdError('DRIFTD_INTERNAL', `redis script ${script} returned unknown code ${code}`, {
      details: { script, code },
    });
  }
  return outcome;
}
