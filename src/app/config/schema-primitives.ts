import picomatch from 'picomatch';
import { z } from 'zod';

/**
 * Small zod building blocks for config values. Messages describe what is expected and never echo the
 * value: a value may come from `${ENV}` and be a secret.
 */

/**
 * Cross-field checks also run when sibling keys have problems, so one run lists every problem.
 * The value may then be partly unparsed: the checks test types before using a field.
 */
export const ALWAYS = { when: () => true } as const;

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d)/g;
const DURATION_HINT = 'must be a duration such as 500ms, 10s, 30m, 6h or 7d';

/** `30m` → 1_800_000; `1h30m` is allowed; `0` (number or string) is 0; anything else is undefined. */
export function parseDuration(value: unknown): number | undefined {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'string' || !DURATION.test(value)) return undefined;
  let ms = 0;
  for (const m of value.matchAll(DURATION_PART)) ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration in ms. A bare number (other than 0) is rejected: it has no unit. */
export const duration = () =>
  z.unknown().transform((value, ctx): number => {
    const ms = parseDuration(value);
    if (ms !== undefined) return ms;
    const hint = typeof value === 'number' ? `${DURATION_HINT} (a bare number has no unit)` : DURATION_HINT;
    ctx.addIssue({ code: 'custom', message: value === undefined ? 'is required' : hint });
    return z.NEVER;
  });

/** Accepts digit strings too, so `${ENV}` references and `DRIFTD_*` overlays can set numbers. */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
    z
      .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number') })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );

/** Accepts `"true"`/`"false"` too (from `${ENV}` or overlays). */
export const bool = () =>
  z.preprocess(
    (v) => (v === 'true' ? true : v === 'false' ? false : v),
    z.boolean({ error: 'must be true or false' }),
  );

export const text = () =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .min(1, { error: 'must not be empty' });

/** An http(s) URL; trailing slashes are dropped so adapters can append paths. */
export const httpUrl = () =>
  text()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
      error: 'must be an http:// or https:// URL',
    })
    .transform((v) => v.replace(/\/+$/, ''));

export interface ListenAddr {
  readonly host: string;
  readonly port: number;
}

const LISTEN = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/;

/** `:8080` (all interfaces), `host:8080`, `[::1]:8080`. */
export function parseListenAddr(value: string): ListenAddr | undefined {
  const m = LISTEN.exec(value);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}

export const listenAddr = () =>
  text().transform((value, ctx): ListenAddr => {
    const parsed = parseListenAddr(value);
    if (parsed) return parsed;
    ctx.addIssue({ code: 'custom', message: 'must be ":PORT", "HOST:PORT" or "[IPv6]:PORT"' });
    return z.NEVER;
  });

/** Why a glob is unusable, or null. picomatch compiles invalid globs to a never-matching `/$^/`. */
export function globProblem(glob: string): string | null {
  if (glob.trim() === '') return 'is empty';
  if (glob.startsWith('/')) return 'must be relative to the repo root';
  if (glob.split('/').includes('..')) return 'must not contain ".."';
  try {
    return picomatch.makeRe(glob).source === '$^' ? 'is not a valid glob' : null;
  } catch {
    return 'is not a valid glob';
  }
}

/** True when `Intl` knows the IANA zone. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
