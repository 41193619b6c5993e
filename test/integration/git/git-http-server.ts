import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const HTTP_BACKEND = join(
  execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(),
  'git-http-backend',
);

export interface GitHttpServer {
  readonly baseUrl: string;
  /** Requests that reached git-http-backend (authorized). */
  readonly gitRequests: number;
  close(): Promise<void>;
}

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * git's own CGI (`git http-backend`) behind a Node HTTP server on 127.0.0.1 that demands basic auth:
 * `authorize(user, password)` decides; anything else gets 401 with a Basic challenge. `extra` may
 * answer other routes first (the fake GitHub API).
 */
export async function startGitHttpServer(opts: {
  projectRoot: string;
  authorize: (user: string, password: string) => boolean;
  extra?: ExtraRoute;
}): Promise<GitHttpServer> {
  let gitRequests = 0;
  const server = createServer((req, res) => {
    if (opts.extra?.(req, res)) return;
    const [user, password] = parseBasic(req.headers.authorization);
    if (user === undefined || !opts.authorize(user, password ?? '')) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('unauthorized');
      return;
    }
    gitRequests += 1;
    runBackend(req, res, opts.projectRoot, user);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get gitRequests() {
      return gitRequests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parseBasic(header: string | undefined): [string?, string?] {
  if (!header?.startsWith('Basic ')) return [];
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? [decoded] : [decoded.slice(0, i), decoded.slice(i + 1)];
}

function runBackend(req: IncomingMessage, res: ServerResponse, projectRoot: string, user: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn(HTTP_BACKEND, [], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.on('close', () => writeCgiResponse(Buffer.concat(chunks), res));
}

function writeCgiResponse(out: Buffer, res: ServerResponse): void {
  let split = out.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (split < 0) {
    split = out.indexOf('\n\n');
    sepLen = 2;
  }
  const head = out.subarray(0, split).toString('utf8');
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  res.writeHead(status, headers).end(out.subarray(split + sepLen));
}
