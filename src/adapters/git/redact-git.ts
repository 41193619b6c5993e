/**
 * Redaction of git output before it reaches an error message or a log line. Git prints remote URLs
 * (which may carry `user:token@`) and, with some helpers, credentials; none of it may leak.
 */

const MASK = '***';
const MAX_MESSAGE_CHARS = 600;

const TOKEN_PATTERNS: readonly RegExp[] = [
  // Userinfo in URLs: `scheme://user:pass@` and any userinfo of http(s) URLs (`https://TOKEN@host`).
  /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi,
  /(\bhttps?:\/\/)[^\s/@]+@/gi,
  // Well-known token shapes: GitHub, GitLab, Slack-ish, JWTs, bearer/basic headers.
  /\bgh[pousr]_[A-Za-z0-9]{16,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{16,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{16,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\b(Bearer|Basic|token)\s+[A-Za-z0-9+/=._-]{8,}/gi,
  /\b(x-access-token|x-oauth-basic):[^\s@]+/gi,
  /\b(password|passwd|token|secret|access_token)=[^\s&]+/gi,
];

function maskPattern(text: string, pattern: RegExp): string {
  return text.replace(pattern, (match, prefix?: unknown) => {
    if (typeof prefix !== 'string') return MASK;
    // Keep the scheme or the header/field name so the message stays readable.
    if (prefix.endsWith('://')) return `${prefix}${MASK}@`;
    const sep = match.charAt(prefix.length);
    return `${prefix}${sep}${MASK}`;
  });
}

/** Masks `secrets` (literal values, e.g. the token in use) and anything token-like in `text`. */
export function redactGitText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const literal = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...literal].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  for (const pattern of TOKEN_PATTERNS) out = maskPattern(out, pattern);
  return out;
}

/**
 * Git's stderr as one short, redacted line: `remote:`/`fatal:` lines joined with ` | `, control
 * characters dropped, capped.
 */
export function summarizeGitStderr(stderr: string, secrets: readonly (string | undefined)[] = []): string {
  const lines = stderr
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes and control bytes go.
    .replace(/\u001b\[[0-9;]*[A-Za-z]|[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(
      (l) => l !== '' && !/^(hint:|Cloning into|remote: (Counting|Compressing|Enumerating|Total))/.test(l),
    );
  const joined = redactGitText(lines.join(' | '), secrets);
  if (joined === '') return 'no error output';
  return joined.length > MAX_MESSAGE_CHARS ? `${joined.slice(0, MAX_MESSAGE_CHARS)}…` : joined;
}
