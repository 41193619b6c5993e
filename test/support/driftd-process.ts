import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./driftd-entry.ts', import.meta.url));

export interface DriftdProcess {
  readonly child: ChildProcess;
  /** stdout lines (the startup line, command output). */
  readonly out: string[];
  /** stderr lines (pino JSON logs, warnings). */
  readonly err: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line matching `pattern` (also one already printed). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit; SIGKILLs after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function collect(stream: NodeJS.ReadableStream, into: string[], onLine: () => void): void {
  let buffer = '';
  stream.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    into.push(...parts);
    onLine();
  });
}

/**
 * `driftd <args>` as a child process, run from the TypeScript sources through tsx (no build needed).
 * `env` is added to this process's environment.
 */
export function spawnDriftd(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): DriftdProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd !== undefined && { cwd }),
  });
  const out: string[] = [];
  const err: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  collect(child.stdout!, out, notify);
  collect(child.stderr!, err, notify);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      notify();
    }),
  );
  const waitForLine = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = out.find((l) => pattern.test(l));
        if (line !== undefined || child.exitCode !== null) {
          waiters.delete(check);
          clearTimeout(timer);
          if (line !== undefined) resolve(line);
          else
            reject(
              new Error(`driftd exited (${child.exitCode}) before ${pattern}: ${err.slice(-20).join('\n')}`),
            );
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line ${pattern} within ${timeoutMs} ms; stderr: ${err.slice(-20).join('\n')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    out,
    err,
    exited,
    waitForLine,
    logs: () => err.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
