import type { PlanDiagnostic } from '../drift-result.js';
import { stripAnsi } from './ansi.js';
import { asString, isObject } from './json-value.js';

const MAX_DIAGNOSTICS = 20;
const MAX_DETAIL = 500;
const HEADER = /^(Error|Warning): (.+)$/;
const LOCATION = /^on (.+?) line (\d+)(?:, in .*)?:?$/;
const WITH = /^with (.+?),?$/;
// Source snippet lines (`  3:   input = var.x`) and the value notes under them (`├────`, `│ var.x is …`).
const SNIPPET = /^\s*(?:\d+:|├|│)/;

function cap(detail: string): string | undefined {
  const trimmed = detail.trim();
  if (trimmed === '') return undefined;
  return trimmed.length > MAX_DETAIL ? `${trimmed.slice(0, MAX_DETAIL)}…` : trimmed;
}

function parseBlock(lines: readonly string[]): PlanDiagnostic | undefined {
  const start = lines.findIndex((l) => HEADER.test(l.trim()));
  if (start < 0) return undefined;
  const [, level, summary] = HEADER.exec(lines[start]!.trim())!;
  const diagnostic: { -readonly [K in keyof PlanDiagnostic]: PlanDiagnostic[K] } = {
    severity: level === 'Error' ? 'error' : 'warning',
    summary: summary!.trim(),
  };
  const detail: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    const location = LOCATION.exec(trimmed);
    const subject = WITH.exec(trimmed);
    if (location) {
      diagnostic.file = location[1];
      diagnostic.line = Number(location[2]);
    } else if (subject && diagnostic.address === undefined && detail.every((d) => d === '')) {
      diagnostic.address = subject[1];
    } else if (!SNIPPET.test(line)) detail.push(trimmed);
  }
  const text = cap(detail.join('\n').replace(/\n{3,}/g, '\n\n'));
  if (text !== undefined) diagnostic.detail = text;
  return diagnostic;
}

/** Splits text into diagnostic blocks: box-drawn (`╷ │ … ╵`, Terraform >= 0.15) or bare `Error:` paragraphs. */
function splitBlocks(text: string): string[][] {
  const lines = stripAnsi(text).split(/\r?\n/);
  const boxed: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith('╷')) current = [];
    else if (line.startsWith('╵')) {
      if (current) boxed.push(current);
      current = undefined;
    } else if (current) current.push(line.replace(/^│ ?/, ''));
  }
  if (boxed.length > 0) return boxed;
  const bare: string[][] = [];
  for (const line of lines) {
    if (HEADER.test(line)) bare.push([line]);
    else if (bare.length > 0) bare[bare.length - 1]!.push(line);
  }
  return bare;
}

function dedupe(diagnostics: readonly PlanDiagnostic[]): PlanDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.severity, d.summary, d.address, d.file, d.line, d.detail]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Diagnostics from human CLI output (stderr of a failed `init`/`plan`). Values in details are not redacted here. */
export function parseTextDiagnostics(text: string): PlanDiagnostic[] {
  const parsed = splitBlocks(text).flatMap((block) => parseBlock(block) ?? []);
  return dedupe(parsed).slice(0, MAX_DIAGNOSTICS);
}

function fromStreamMessage(message: unknown): PlanDiagnostic | undefined {
  if (!isObject(message) || message.type !== 'diagnostic' || !isObject(message.diagnostic)) return undefined;
  const d = message.diagnostic;
  const summary = asString(d.summary);
  if (summary === undefined) return undefined;
  const range = isObject(d.range) ? d.range : {};
  const start = isObject(range.start) ? range.start : {};
  const detail = cap(asString(d.detail) ?? '');
  return {
    severity: d.severity === 'error' ? 'error' : 'warning',
    summary,
    ...(detail === undefined ? {} : { detail }),
    ...(typeof d.address === 'string' ? { address: d.address } : {}),
    ...(typeof range.filename === 'string' ? { file: range.filename } : {}),
    ...(typeof start.line === 'number' ? { line: start.line } : {}),
  };
}

/** Diagnostics from a `plan -json` message stream (one JSON object per line). */
export function parseStreamDiagnostics(text: string): PlanDiagnostic[] {
  const found: PlanDiagnostic[] = [];
  for (const line of text.split('\n')) {
    try {
      const diagnostic = fromStreamMessage(JSON.parse(line));
      if (diagnostic) found.push(diagnostic);
    } catch {
      // Not a JSON line (a stray log line): skip it.
    }
  }
  return dedupe(found).slice(0, MAX_DIAGNOSTICS);
}
