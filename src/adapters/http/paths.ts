import type { StackPath } from '../../domain/ids.js';
import { ROOT_STACK, stackPathProblem } from '../../domain/ids.js';
import { HttpError } from './error-mapper.js';

/**
 * Stack paths and ids come from the RAW request path (`request.url`), not from Fastify's decoded
 * params: only the raw path tells `envs%2Fplan` (a stack named `envs/plan`) from `envs/plan` (the plan
 * of stack `envs`), and only it still shows `..` or `%2e%2e` segments to reject. Route actions
 * (`scan`, `plan`, `history`, `cancel`) are matched on the raw last segment.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The raw path segments after `/api/<marker>/...`: everything after the first `marker` segment. */
function segmentsAfter(url: string, marker: string): string[] {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const segments = path.split('/');
  const at = segments.indexOf(marker);
  return at === -1 ? [] : segments.slice(at + 1);
}

function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError('invalid_path', `${what} contains an invalid percent-encoding: "${raw}"`);
  }
}

/** Validates a decoded stack path; `''` and `.` are the repo root. */
export function toStackPath(decoded: string): StackPath {
  if (decoded === '' || decoded === ROOT_STACK) return ROOT_STACK;
  const shown = JSON.stringify(decoded.slice(0, 200));
  const problem =
    stackPathProblem(decoded) ?? (CONTROL.test(decoded) ? 'contains a control character' : null);
  if (problem !== null) throw new HttpError('invalid_path', `stack path ${shown} ${problem}`);
  return decoded as StackPath;
}

export interface StackRoute {
  readonly repo: string;
  readonly stack: StackPath;
  /** The trailing action segment, or null when the path names only the stack. */
  readonly action: string | null;
}

/**
 * Parses `/api/repos/<repo>/stacks/<stack...>[/<action>]`. The stack is every raw segment between
 * `/stacks/` and the action, each percent-decoded; an empty stack (`/stacks/scan`, what clients send
 * for `/stacks/./scan` after removing dot segments) is the root stack. A trailing slash is ignored.
 */
export function parseStackRoute(url: string, actions: readonly string[]): StackRoute {
  const afterRepos = segmentsAfter(url, 'repos');
  const repo = decodeSegment(afterRepos[0] ?? '', 'repo name');
  const rest = afterRepos.slice(2);
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  const last = rest[rest.length - 1];
  const action = last !== undefined && actions.includes(last) ? last : null;
  const stackSegments = action === null ? rest : rest.slice(0, -1);
  const decoded = stackSegments.map((s) => decodeSegment(s, 'stack path')).join('/');
  return { repo, stack: toStackPath(decoded), action };
}

/**
 * Parses an id route, `/api/<marker>/<id>[/<action>]`. Ids contain `:` and (job ids) `/`, so they
 * are accepted raw or URL-encoded: the raw segments are joined and decoded as one string.
 */
export function parseIdRoute(
  url: string,
  marker: 'jobs' | 'tasks',
  actions: readonly string[] = [],
): { readonly id: string; readonly action: string | null } {
  const rest = segmentsAfter(url, marker);
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  const last = rest[rest.length - 1];
  const action = last !== undefined && rest.length > 1 && actions.includes(last) ? last : null;
  const idSegments = action === null ? rest : rest.slice(0, -1);
  const id = decodeSegment(idSegments.join('/'), 'id');
  if (id === '' || id.length > 1200 || CONTROL.test(id)) {
    throw new HttpError('invalid_id', `"${id.slice(0, 200)}" is not a valid ${marker.slice(0, -1)} id`);
  }
  return { id, action };
}
