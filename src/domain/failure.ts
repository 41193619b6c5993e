/**
 * Why a job ended without a usable plan, and the retry policy: only failures that can pass on a
 * second try are retried (a lost worker, a timeout, a fetch or download error); a terraform
 * configuration error, a missing stack or a bad pin fails at once.
 */
export type FailureKind =
  /** The worker's lease expired (process died or hung). */
  | 'lost_worker'
  /** `worker.stack_timeout` elapsed. */
  | 'timeout'
  /** git fetch/checkout failed. */
  | 'fetch_error'
  /** A terraform/terragrunt binary or provider download failed. */
  | 'download_error'
  /** terraform/tofu/terragrunt ran and reported an error (init or plan). Counted as `errored`. */
  | 'terraform_error'
  /** The stack or its version pin is invalid (missing directory, unparsable version file). */
  | 'config_error'
  /** The task was canceled while the job ran. */
  | 'canceled'
  /** A bug or an unexpected infrastructure failure. */
  | 'internal';

export interface JobFailure {
  readonly kind: FailureKind;
  /** One redacted line for users. */
  readonly message: string;
}

const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'lost_worker',
  'timeout',
  'fetch_error',
  'download_error',
]);

export function isRetryable(kind: FailureKind): boolean {
  return RETRYABLE.has(kind);
}

/** `errored` ⊆ `failed`: failures where terraform itself reported an error. */
export function countsAsErrored(kind: FailureKind): boolean {
  return kind === 'terraform_error';
}

/** Attempts a job may make: 2 with `retry_once`, else 1. */
export function maxAttempts(retryOnce: boolean): number {
  return retryOnce ? 2 : 1;
}

/** Whether a job that just failed with `kind` after `attempt` attempts goes back to the queue. */
export function shouldRetry(kind: FailureKind, attempt: number, max: number): boolean {
  return isRetryable(kind) && attempt < max;
}
