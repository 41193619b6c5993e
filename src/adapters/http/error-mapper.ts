import type { ErrorCode } from '../../domain/errors.js';
import { isDriftdError } from '../../domain/errors.js';

/**
 * The single table from an error `code` to its HTTP status. Every error reply is
 * `{ error: <human message>, code: <one of these> }` (plus context such as `active_task`), never a
 * stack trace. Domain errors carry no status of their own.
 */
export const HTTP_ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_body: 400,
  invalid_query: 400,
  invalid_path: 400,
  invalid_id: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  repo_not_found: 404,
  stack_not_found: 404,
  task_not_found: 404,
  job_not_found: 404,
  plan_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  task_not_active: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  repo_unavailable: 502,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** An error the HTTP layer raises itself: a stable code, a message safe to show, optional extra JSON. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly statusCode: number;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: HttpErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.statusCode = HTTP_ERROR_STATUS[code];
    this.extra = extra;
  }
}

export interface ErrorReply {
  readonly status: number;
  readonly body: { readonly error: string; readonly code: HttpErrorCode } & Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

/** Fastify's own errors, by their `FST_ERR_*` code. */
const FASTIFY_CODES: Readonly<Record<string, HttpErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'invalid_path',
  FST_ERR_ASYNC_CONSTRAINT: 'invalid_path',
};

/** Domain error codes that reach the edge (thrown by a use case or adapter). */
const DOMAIN_CODES: Partial<Record<ErrorCode, HttpErrorCode>> = {
  DRIFTD_REPO_NOT_FOUND: 'repo_not_found',
  DRIFTD_STACK_NOT_FOUND: 'stack_not_found',
  DRIFTD_TASK_NOT_FOUND: 'task_not_found',
  DRIFTD_JOB_NOT_FOUND: 'job_not_found',
  DRIFTD_TASK_CONFLICT: 'conflict',
  DRIFTD_INVALID_INPUT: 'invalid_body',
  DRIFTD_UNSAFE_PATH: 'invalid_path',
  DRIFTD_UNAUTHORIZED: 'unauthorized',
  DRIFTD_FORBIDDEN: 'forbidden',
  DRIFTD_REPO_FETCH_FAILED: 'repo_unavailable',
  DRIFTD_REPO_UNAVAILABLE: 'repo_unavailable',
  DRIFTD_ADAPTER_UNAVAILABLE: 'unavailable',
};

/** Messages for codes whose underlying error text is not safe or not useful to show. */
const GENERIC_MESSAGES: Partial<Record<HttpErrorCode, string>> = {
  internal: 'Internal server error',
  unavailable: 'A backing service is unavailable; try again shortly',
  unsupported_media_type: 'Unsupported content type: send application/json or no body',
  body_too_large: 'Request body is too large',
};

const HEADERS: Partial<Record<HttpErrorCode, Record<string, string>>> = {
  unauthorized: { 'www-authenticate': 'Bearer realm="driftd"' },
};

function reply(code: HttpErrorCode, message: string, extra: Record<string, unknown> = {}): ErrorReply {
  return {
    status: HTTP_ERROR_STATUS[code],
    body: { error: GENERIC_MESSAGES[code] ?? message, code, ...extra },
    headers: HEADERS[code] ?? {},
  };
}

function statusFallback(status: number): HttpErrorCode {
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'internal';
}

/**
 * Maps anything thrown in a request to the reply: our `HttpError`s, domain `DriftdError`s, Fastify's
 * `FST_ERR_*` errors and validation errors; everything else is a 500 `internal` with a generic message.
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof HttpError) return reply(error.code, error.message, { ...error.extra });
  if (isDriftdError(error)) return reply(DOMAIN_CODES[error.code] ?? 'internal', error.message);
  if (typeof error !== 'object' || error === null) return reply('internal', '');
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  const mapped = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (mapped !== undefined) return reply(mapped, message);
  if (e.validation !== undefined) return reply('invalid_body', message);
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  return reply(statusFallback(status), status < 500 ? message : '');
}
