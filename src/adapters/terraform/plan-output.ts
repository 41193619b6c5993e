import { isObject } from '../../domain/plan/json-value.js';

/**
 * The JSON plan document in `show -json` stdout. Normally the whole output; through terragrunt a log
 * prefix or warning lines may surround it, so each line is tried from its first `{`.
 */
export function extractPlanJson(stdout: string): string | undefined {
  const whole = stdout.trim();
  if (parsesToObject(whole)) return whole;
  for (const line of stdout.split('\n')) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    const candidate = line.slice(start).trim();
    if (parsesToObject(candidate)) return candidate;
  }
  return undefined;
}

function parsesToObject(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    return isObject(JSON.parse(text));
  } catch {
    return false;
  }
}

// Network-looking failures of provider/module downloads and backends: worth another attempt.
const TRANSIENT = [
  /could not connect to/i,
  /no such host/i,
  /connection (refused|reset)/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /timeout awaiting response headers/i,
  /temporary failure in name resolution/i,
  /network is unreachable/i,
  /\b(502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout|429 Too Many Requests)\b/i,
  /context deadline exceeded/i,
];

export function looksTransient(output: string): boolean {
  return TRANSIENT.some((pattern) => pattern.test(output));
}
