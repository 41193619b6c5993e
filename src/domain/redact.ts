/** Options for redacting plan text before it is stored or shown. */
export interface RedactOptions {
  /** The JSON plan: values marked by `*_sensitive` are masked wherever they appear in the text. */
  readonly planJson?: string | null;
  /** Extra literal secrets to mask (tokens the worker knows). */
  readonly secrets?: readonly string[];
  /** Cap on the stored text in bytes (UTF-8); a note says when it was cut. */
  readonly maxBytes?: number;
}

/**
 * Strips ANSI, masks sensitive values and token-like patterns, and caps the size.
 * Owned by the execution work (issue 4).
 */
export function redactPlanText(_text: string, _options: RedactOptions = {}): string {
  throw new Error('redactPlanText: not implemented yet (execution issue)');
}
