/**
 * Plan output → HTML for a `<pre>`: every line is HTML-escaped here (the template prints the result with
 * `| safe`, so this is the one place plan text is escaped), and the diff marker at the start of a line
 * (`+`, `-`, `~`, `-/+`, `+/-`, `<=`) is wrapped in a span so the line can be coloured. Colour is not the
 * only cue: the marker itself stays in the text.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const MARKER_CLASS: Readonly<Record<string, string>> = {
  '+': 'add',
  '-': 'del',
  '~': 'chg',
  '-/+': 'rep',
  '+/-': 'rep',
  '<=': 'read',
};

/** Leading whitespace, a marker, then a space or the end of the line. Longest markers first. */
const MARKER = /^(\s*)(-\/\+|\+\/-|<=|[+~-])(?=\s|$)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour sequences are control characters
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function renderLine(raw: string): string {
  const line = raw.replace(ANSI, '').replace(/\r$/, '');
  const marker = MARKER.exec(line);
  if (marker) {
    const [whole, indent = '', sign = ''] = marker;
    const cls = MARKER_CLASS[sign]!;
    const rest = escapeHtml(line.slice(whole.length));
    return `<span class="pl-${cls}">${escapeHtml(indent)}<span class="pm">${escapeHtml(sign)}</span>${rest}</span>`;
  }
  const trimmed = line.trimStart();
  if (trimmed.startsWith('#')) return `<span class="pl-cmt">${escapeHtml(line)}</span>`;
  if (/^(│\s*)?Error:/.test(trimmed)) return `<span class="pl-err">${escapeHtml(line)}</span>`;
  if (/^(Plan|Changes to Outputs|No changes)\b/.test(trimmed))
    return `<span class="pl-sum">${escapeHtml(line)}</span>`;
  return escapeHtml(line);
}

export interface RenderedPlan {
  readonly html: string;
  readonly lines: number;
}

export function renderPlanText(text: string): RenderedPlan {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return { html: lines.map(renderLine).join('\n'), lines: lines.length };
}
