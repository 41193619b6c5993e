import { DriftdError } from '../../domain/errors.js';

export interface HttpOptions {
  /** Whole request, body included. */
  readonly timeoutMs: number;
  /** No body bytes for this long = stalled mirror: give up (a retry starts over cleanly). */
  readonly idleTimeoutMs: number;
  readonly maxBytes: number;
}

export const DEFAULT_HTTP: HttpOptions = {
  timeoutMs: 10 * 60_000,
  idleTimeoutMs: 60_000,
  maxBytes: 1024 ** 3,
};

/** The URL without user info, for messages (mirrors may carry basic-auth credentials). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

function failure(url: string, reason: string, cause?: unknown): DriftdError {
  return new DriftdError('DRIFTD_TOOL_UNAVAILABLE', `download of ${redactUrl(url)} failed: ${reason}`, {
    ...(cause !== undefined && { cause }),
  });
}

async function readBody(
  res: Response,
  url: string,
  opts: HttpOptions,
  stall: () => void,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    stall();
    total += value.byteLength;
    if (total > opts.maxBytes) throw failure(url, `larger than ${opts.maxBytes} bytes`);
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * GET `url` fully into memory with a total timeout and a stall timeout. Throws DriftdError
 * `DRIFTD_TOOL_UNAVAILABLE` with a message fit for a job error (no credentials).
 */
export async function fetchBytes(url: string, opts: HttpOptions, signal?: AbortSignal): Promise<Uint8Array> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stall = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new Error(`stalled for ${opts.idleTimeoutMs} ms`)),
      opts.idleTimeoutMs,
    );
  };
  const signals = [idle.signal, AbortSignal.timeout(opts.timeoutMs), ...(signal ? [signal] : [])];
  const combined = AbortSignal.any(signals);
  try {
    stall();
    const res = await fetch(url, { signal: combined, redirect: 'follow' });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw failure(url, `HTTP ${res.status}`);
    }
    return await readBody(res, url, opts, stall);
  } catch (e) {
    if (e instanceof DriftdError) throw e;
    if (signal?.aborted) throw failure(url, 'aborted', e);
    if (idle.signal.aborted) throw failure(url, (idle.signal.reason as Error).message, e);
    if (combined.aborted) throw failure(url, `timed out after ${opts.timeoutMs} ms`, e);
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw failure(url, cause ?? (e as Error).message, e);
  } finally {
    clearTimeout(timer);
  }
}

export async function fetchText(url: string, opts: HttpOptions, signal?: AbortSignal): Promise<string> {
  return new TextDecoder().decode(await fetchBytes(url, opts, signal));
}

/** Waits for `promise`, or rejects with a DriftdError as soon as `signal` aborts (the work goes on). */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new DriftdError('DRIFTD_TOOL_UNAVAILABLE', 'aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DriftdError('DRIFTD_TOOL_UNAVAILABLE', 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
