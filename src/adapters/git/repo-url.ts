import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How a repo `url` is reached. `local` covers local paths and `file://` URLs. */
export type RepoLocation =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'remote'; readonly url: string; readonly insecure: boolean };

const ALLOWED_SCHEMES = new Set(['https', 'http', 'ssh', 'file']);
// Git's remote-helper syntax `<transport>::<address>` (`ext::sh -c ...` runs commands).
const HELPER_FORM = /^[A-Za-z][A-Za-z0-9+.-]*::/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// `[user@]host:path`: a colon before the first slash, as git decides it.
const SCP_LIKE = /^(?:([^@/:]+)@)?([^/:]+):/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a repo URL is refused, or null when it is acceptable. Allowed: `https://`, `http://` (plain text,
 * the caller warns), `ssh://`, scp-like `git@host:path`, `file://`, absolute or relative local paths.
 * Refused: `<transport>::` remote helpers (`ext::` runs commands), URLs or paths starting with `-`
 * (options smuggled as URLs), hosts starting with `-`, control characters, other schemes.
 */
export function checkRepoUrl(url: string): string | null {
  if (url.trim() === '') return 'is empty';
  if (CONTROL.test(url)) return 'contains control characters';
  if (url.startsWith('-')) return 'starts with "-" (it would be read as a git option)';
  if (HELPER_FORM.test(url)) {
    return `uses the "${url.slice(0, url.indexOf('::'))}::" remote-helper form, which can run commands`;
  }
  const scheme = SCHEME.exec(url);
  if (scheme) return checkSchemeUrl(url, scheme[1]!.toLowerCase());
  const scp = SCP_LIKE.exec(url);
  if (scp && !isAbsolute(url) && !url.startsWith('./') && !url.startsWith('../')) {
    if (scp[2]!.startsWith('-')) return 'has a host starting with "-"';
    if ((scp[1] ?? '').startsWith('-')) return 'has a user starting with "-"';
  }
  return null;
}

function checkSchemeUrl(url: string, scheme: string): string | null {
  if (!ALLOWED_SCHEMES.has(scheme)) return `uses the unsupported scheme "${scheme}://"`;
  if (scheme === 'file') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.hostname === '') return 'has no host';
  if (parsed.hostname.startsWith('-') || decodeURIComponent(parsed.username).startsWith('-')) {
    return 'has a host or user starting with "-"';
  }
  return null;
}

/** Classifies a URL already accepted by `checkRepoUrl`. Relative local paths resolve against `cwd`. */
export function locateRepo(url: string, cwd: string = process.cwd()): RepoLocation {
  if (/^file:\/\//i.test(url)) return { kind: 'local', path: fileURLToPath(url) };
  const scheme = SCHEME.exec(url);
  if (scheme) return { kind: 'remote', url, insecure: scheme[1]!.toLowerCase() === 'http' };
  const isPath = isAbsolute(url) || url.startsWith('./') || url.startsWith('../') || !SCP_LIKE.test(url);
  if (isPath) return { kind: 'local', path: resolve(cwd, url) };
  return { kind: 'remote', url, insecure: false };
}

/**
 * Splits credentials embedded in an http(s) URL (`https://user:token@host/...`) from the URL, so that
 * they reach git through the askpass helper and never through argv or the mirror's config.
 */
export function splitUrlCredentials(url: string): {
  url: string;
  username?: string;
  password?: string;
} {
  if (!/^https?:\/\//i.test(url)) return { url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (parsed.username === '' && parsed.password === '') return { url };
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}
