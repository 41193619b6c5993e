/** Small formatters for view-models: templates get display strings, never raw epoch numbers. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "3 min ago", "2 h ago", "5 days ago"; future times read "in 3 min". */
export function relativeTime(at: number, now: number): string {
  const delta = now - at;
  const abs = Math.abs(delta);
  let text: string;
  if (abs < 45 * SECOND) return 'just now';
  if (abs < HOUR) text = `${Math.max(1, Math.round(abs / MINUTE))} min`;
  else if (abs < DAY) text = `${Math.round(abs / HOUR)} h`;
  else {
    const days = Math.round(abs / DAY);
    text = `${days} ${days === 1 ? 'day' : 'days'}`;
  }
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

export interface TimeView {
  /** ISO-8601 for `<time datetime>`. */
  readonly iso: string;
  /** Relative text ("3 min ago"). */
  readonly text: string;
  /** Absolute UTC text for a tooltip. */
  readonly title: string;
}

export function timeView(at: number | null | undefined, now: number): TimeView | null {
  if (at === null || at === undefined) return null;
  const iso = new Date(at).toISOString();
  return { iso, text: relativeTime(at, now), title: `${iso.slice(0, 19).replace('T', ' ')} UTC` };
}

/** "850 ms", "12 s", "3 min 4 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  if (ms < SECOND) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < MINUTE) return `${Math.round(ms / SECOND)} s`;
  if (ms < HOUR) {
    const s = Math.round((ms % MINUTE) / SECOND);
    return s === 0 ? `${Math.floor(ms / MINUTE)} min` : `${Math.floor(ms / MINUTE)} min ${s} s`;
  }
  return `${Math.floor(ms / HOUR)} h ${Math.round((ms % HOUR) / MINUTE)} min`;
}

export function shortCommit(commit: string | null | undefined): string | null {
  return commit ? commit.slice(0, 7) : null;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
