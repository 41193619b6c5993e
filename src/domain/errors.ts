/**
 * Stable error codes. Expected outcomes (lock held, illegal transition, failed plan) are returned as
 * values; these are thrown for programmer errors, infrastructure failures and bad configuration.
 * HTTP statuses for them live only in the http adapter's error mapper.
 */
export const ERROR_CODES = [
  'DRIFTD_CONFIG_INVALID',
  'DRIFTD_ADAPTER_UNAVAILABLE',
  'DRIFTD_REPO_NOT_FOUND',
  'DRIFTD_STACK_NOT_FOUND',
  'DRIFTD_TASK_NOT_FOUND',
  'DRIFTD_JOB_NOT_FOUND',
  'DRIFTD_TASK_CONFLICT',
  'DRIFTD_INVALID_INPUT',
  'DRIFTD_REPO_FETCH_FAILED',
  'DRIFTD_REPO_UNAVAILABLE',
  'DRIFTD_TOOL_UNAVAILABLE',
  'DRIFTD_UNSAFE_PATH',
  'DRIFTD_UNAUTHORIZED',
  'DRIFTD_FORBIDDEN',
  'DRIFTD_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DriftdError extends Error {
  readonly code: ErrorCode;
  /** Safe to log and show: never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriftdError';
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

export function isDriftdError(e: unknown, code?: ErrorCode): e is DriftdError {
  return e instanceof DriftdError && (code === undefined || e.code === code);
}
