/** What started a task. Kinds are open-ended strings validated at the edge; these are the known ones. */
export const TRIGGER_KINDS = ['schedule', 'api', 'ui', 'webhook', 'post-apply', 'cli', 'library'] as const;
export type KnownTriggerKind = (typeof TRIGGER_KINDS)[number];

export interface Trigger {
  /** e.g. `schedule`, `api`, `ui`, `post-apply`. */
  readonly kind: string;
  /** Commit the caller says it applied (informational; the task pins the branch head it resolved). */
  readonly commit?: string;
  /** Who asked: a CI job, a user, a token name. */
  readonly actor?: string;
}
