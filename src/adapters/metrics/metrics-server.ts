import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DriftdError } from '../../domain/errors.js';

/** A Prometheus text source: `DriftdMetrics` (and prom-client's `Registry`) fit. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  /** The bound address, e.g. `http://127.0.0.1:9464` (useful with port 0). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `":9464"` (all interfaces), `"HOST:PORT"` or `"[IPv6]:PORT"` → host and port. */
export function parseListenAddr(addr: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65_535) {
    throw new DriftdError(
      'DRIFTD_INVALID_INPUT',
      `metrics address "${addr}": must be ":PORT", "HOST:PORT" or "[IPv6]:PORT"`,
      {
        details: { addr },
      },
    );
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

async function handle(source: MetricsSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  try {
    const body = await source.metrics();
    res.writeHead(200, { 'content-type': source.contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    // Never a stack trace on the wire; the source logs its own failures.
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
  }
}

/**
 * A minimal HTTP server for processes without the API (`driftd worker --metrics-addr`): `GET /metrics`
 * only, 404 for anything else. Resolves once listening; rejects when the address cannot be bound.
 */
export async function startMetricsServer(addr: string, source: MetricsSource): Promise<MetricsServer> {
  const { host, port } = parseListenAddr(addr);
  const server: Server = createServer((req, res) => void handle(source, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new DriftdError('DRIFTD_ADAPTER_UNAVAILABLE', `cannot listen on ${addr} for metrics`, { cause }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shown}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
