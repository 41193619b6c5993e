/** What every page's layout needs: title, who is signed in, the form token, a flash message. */

export interface FlashView {
  readonly kind: 'ok' | 'info' | 'err';
  readonly text: string;
}

/**
 * Flash messages travel as codes in the query string (`?flash=scan_started`), never as text, so a
 * crafted link cannot put words on the page.
 */
export const FLASH_MESSAGES: Readonly<Record<string, FlashView>> = {
  scan_started: { kind: 'ok', text: 'Scan started. Progress updates live on this page.' },
  stack_scan_started: { kind: 'ok', text: 'Stack scan started.' },
  scan_conflict: {
    kind: 'info',
    text: 'A scan of this repository is already running: wait for it to finish or cancel it.',
  },
  repo_unavailable: {
    kind: 'err',
    text: 'The repository could not be fetched, so no scan started. The git error is shown on the repository page.',
  },
  repo_not_found: { kind: 'err', text: 'That repository is not configured.' },
  stack_not_found: { kind: 'err', text: 'That stack is not part of the repository.' },
  invalid_stack: { kind: 'err', text: 'That stack path is not valid.' },
  task_canceled: { kind: 'ok', text: 'Scan canceled.' },
  task_not_active: { kind: 'info', text: 'That scan had already finished.' },
  task_not_found: { kind: 'err', text: 'That scan no longer exists (finished scans are kept for 7 days).' },
  signed_out: { kind: 'info', text: 'You are signed out.' },
};

export function flashOf(code: unknown): FlashView | null {
  return typeof code === 'string' ? (FLASH_MESSAGES[code] ?? null) : null;
}

export interface PageView {
  readonly title: string;
  /** Which nav entry is current. */
  readonly section: 'dashboard' | 'repo' | 'stack' | 'login' | 'error';
  readonly csrf: string;
  /** The signed-in token's name when UI login is on. */
  readonly user: string | null;
  readonly authEnabled: boolean;
  /** False for read-only tokens: no scan or cancel buttons. */
  readonly canWrite: boolean;
  readonly flash: FlashView | null;
  readonly assets: { readonly css: string; readonly js: string };
  /** The live event stream the page's script subscribes to; null on pages without live parts. */
  readonly eventsUrl: string | null;
}
