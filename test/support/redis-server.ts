import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private redis-server on a free loopback port, started by a test (never the system service). */
export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
  /**
   * Stops and starts the server on the same port. By default it saves its data first (`SHUTDOWN SAVE`)
   * and loads it again, like a Redis restart with persistence; `keepData: false` loses everything.
   * `downMs` keeps it down that long before starting again.
   */
  restart(options?: { readonly keepData?: boolean; readonly downMs?: number }): Promise<void>;
}

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** Whether a redis-server binary is available (tests that need it say so when it is not). */
export function hasRedisServer(): boolean {
  return spawnSync(REDIS_SERVER_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedisServer(): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'driftd-redis-'));
  const port = await freePort();
  let child = await spawnServer(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await shutdown(port, child, 'NOSAVE');
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(options = {}) {
      await shutdown(port, child, options.keepData === false ? 'NOSAVE' : 'SAVE');
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      child = await spawnServer(port, dir);
    },
  };
}

async function spawnServer(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--dbfilename', 'dump.rdb', '--loglevel', 'warning', '--daemonize', 'no');
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const until = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

async function shutdown(port: number, child: ChildProcess, mode: 'SAVE' | 'NOSAVE'): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await send(port, `SHUTDOWN ${mode}\r\n`).catch(() => child.kill('SIGKILL'));
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Whether the server answers PING with PONG. */
async function ping(port: number): Promise<boolean> {
  try {
    return (await send(port, 'PING\r\n')).startsWith('+PONG');
  } catch {
    return false;
  }
}

/** Sends one inline command on a raw socket and returns the first reply chunk ('' if it closes). */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => socket.write(command));
    socket.once('data', (d) => {
      socket.end();
      resolve(d.toString());
    });
    socket.once('close', () => resolve(''));
    socket.once('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
