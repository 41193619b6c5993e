/**
 * Token-like secrets masked in any stored text, whatever the JSON plan says. Each pattern keeps enough
 * context (the key name, the URL user) for the text to stay readable.
 */
const MASK = '***';

const PATTERNS: readonly (readonly [RegExp, string])[] = [
  // PEM private keys, up to the END line (or the end of the text when it was cut off).
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    `-----BEGIN $1PRIVATE KEY----- ${MASK} -----END $1PRIVATE KEY-----`,
  ],
  // GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained (github_pat_).
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK],
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MASK}`],
  // Credentials in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]+):[^\s@/]+@/gi, `$1:${MASK}@`],
  // `password = "x"`, `client_secret: "x"`, `token = "a" -> "b"` (quoted values, one or both sides).
  [
    /\b([\w-]*(?:password|passwd|secret|token|api_?key|private_key|access_key)[\w-]*"?\s*[:=]\s*)"[^"\n]*"(\s*->\s*)?(?:"[^"\n]*")?/gi,
    `$1"${MASK}"$2`,
  ],
  // Unquoted `PASSWORD=x` (env dumps, query strings); `=` only, so ARNs (`arn:aws:secretsmanager:…`)
  // stay readable; leaves Terraform's own placeholders alone.
  [
    /\b([\w-]*(?:password|passwd|secret|token|api_?key)[\w-]*\s*=\s*)(?!\(sensitive|\(known|\*\*\*|null\b|"|\s)[^\s"',;&]+/gi,
    `$1${MASK}`,
  ],
];

export function maskTokens(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
