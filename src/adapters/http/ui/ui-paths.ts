import { ROOT_STACK } from '../../../domain/ids.js';

/**
 * URLs of the UI's pages and forms. Stack paths keep their slashes, each segment percent-encoded, exactly
 * as the API parses them (paths.ts): the root stack is the empty path, so its page is `/repos/r/stacks/`
 * and its scan form posts to `/repos/r/stacks/scan` (as `/api/repos/r/stacks/./scan` reaches the API).
 */

export function encodeStack(stack: string): string {
  if (stack === ROOT_STACK || stack === '') return '';
  return stack.split('/').map(encodeURIComponent).join('/');
}

export function repoUrl(repo: string): string {
  return `/repos/${encodeURIComponent(repo)}`;
}

export function stackUrl(repo: string, stack: string): string {
  return `${repoUrl(repo)}/stacks/${encodeStack(stack)}`;
}

export function repoScanUrl(repo: string): string {
  return `${repoUrl(repo)}/scan`;
}

export function stackScanUrl(repo: string, stack: string): string {
  const encoded = encodeStack(stack);
  return encoded === '' ? `${repoUrl(repo)}/stacks/scan` : `${repoUrl(repo)}/stacks/${encoded}/scan`;
}

export function taskCancelUrl(taskId: string): string {
  return `/tasks/${encodeURIComponent(taskId)}/cancel`;
}

/** Where a live row is re-fetched from (see fragment-routes.ts). */
export function repoRowFragmentUrl(repo: string): string {
  return `/ui/fragments${repoUrl(repo)}`;
}

export function stackRowFragmentUrl(repo: string, stack: string): string {
  return `/ui/fragments${stackUrl(repo, stack)}`;
}

/** A same-site path to return to after a form post: `/...` but never `//host` or `/\host`. */
export function safeLocalPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length > 2000) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must not reach a Location header
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  return value;
}

/** `path` with `flash=<code>` set in its query string (replacing an earlier flash). */
export function withFlash(path: string, code: string): string {
  const [base, query = ''] = path.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  params.set('flash', code);
  return `${base}?${params.toString()}`;
}
