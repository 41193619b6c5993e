import { stripAnsi } from './plan/ansi.js';
import { isObject } from './plan/json-value.js';
import { redactPlanDocument, SENSITIVE_PLACEHOLDER, sensitiveValuesOf } from './plan/sensitive-values.js';
import { maskTokens } from './plan/token-patterns.js';

/** Options for redacting plan text before it is stored or shown. */
export interface RedactOptions {
  /** The JSON plan: values marked by `*_sensitive` are masked wherever they appear in the text. */
  readonly planJson?: string | null;
  /** Extra literal secrets to mask (tokens the worker knows). */
  readonly secrets?: readonly string[];
  /** Cap on the stored text in bytes (UTF-8); a note says when it was cut. */
  readonly maxBytes?: number;
}

export const DEFAULT_PLAN_TEXT_MAX_BYTES = 1024 * 1024;
const MIN_SENSITIVE_LENGTH = 4;
const TRIVIAL = new Set(['true', 'false', 'null']);

/** The forms a value takes in CLI text: as is, JSON-escaped, and each long line of a multi-line value. */
function variantsOf(value: string): string[] {
  const variants = [value, JSON.stringify(value).slice(1, -1)];
  if (value.includes('\n'))
    variants.push(
      ...value
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 8),
    );
  return variants;
}

function replaceAll(text: string, needles: Iterable<string>, replacement: string): string {
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...new Set(needles)].sort((a, b) => b.length - a.length);
  let out = text;
  for (const needle of sorted) if (needle !== '') out = out.split(needle).join(replacement);
  return out;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes on a code point boundary, with a note when cut. */
function capBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  for (const ch of text) bytes += utf8Length(ch.codePointAt(0)!);
  if (bytes <= maxBytes) return text;
  const note = `\n\n[driftd: plan output truncated at ${maxBytes} bytes]\n`;
  const budget = Math.max(0, maxBytes - note.length);
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Length(ch.codePointAt(0)!);
    if (used + size > budget) break;
    used += size;
    end += ch.length;
  }
  return text.slice(0, end) + note;
}

/**
 * Strips ANSI, masks sensitive values and token-like patterns, and caps the size. Values the JSON plan
 * marks sensitive become `(sensitive value)`, literal secrets and token-like strings `***`.
 */
export function redactPlanText(text: string, options: RedactOptions = {}): string {
  let out = stripAnsi(text);
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  out = replaceAll(out, secrets.flatMap(variantsOf), '***');
  if (options.planJson) {
    const sensitive = sensitiveValuesOf(options.planJson).filter(
      (v) => v.length >= MIN_SENSITIVE_LENGTH && !TRIVIAL.has(v),
    );
    out = replaceAll(out, sensitive.flatMap(variantsOf), SENSITIVE_PLACEHOLDER);
  }
  out = maskTokens(out);
  return capBytes(out, options.maxBytes ?? DEFAULT_PLAN_TEXT_MAX_BYTES);
}

/**
 * A copy of a JSON plan document with every value it marks sensitive (`*_sensitive`, sensitive outputs
 * and variables, `sensitive_values`) replaced by `(sensitive value)`, for storage. Null when the text is
 * not a JSON object (store nothing rather than an unredacted document).
 */
export function redactPlanJson(planJson: string): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(planJson);
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  redactPlanDocument(doc, () => {});
  return JSON.stringify(doc);
}
