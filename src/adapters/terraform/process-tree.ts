import { execa } from 'execa';

export interface ProcessRun {
  /** Null when the process was killed or never started. */
  readonly exitCode: number | null;
  readonly stdout: string;
  /** stdout and stderr interleaved, as a user would have seen them. */
  readonly all: string;
  /** True when `signal` stopped the run (the whole process group was killed). */
  readonly stopped: boolean;
  /** Set when the executable could not be started (ENOENT, EACCES). */
  readonly spawnError?: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Time between SIGINT and SIGKILL of the process group. */
  readonly killGraceMs: number;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

// Detached groups are not killed by execa's cleanup when this process exits; do it here so a worker
// that exits mid-plan does not leave terraform running.
const activeGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  activeGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of activeGroups) signalGroup(group, 'SIGKILL');
  });
}

function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0 as unknown as NodeJS.Signals);
}

/**
 * Stops a process group the way an operator would: SIGINT (terraform then releases locks and stops
 * its providers), up to `graceMs` for everything in the group to exit, then SIGKILL for what is left.
 */
async function stopGroup(pid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pid, 'SIGINT')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pid)) await new Promise((r) => setTimeout(r, 25));
  signalGroup(pid, 'SIGKILL');
}

/**
 * Runs one command (argument array, never a shell) as the leader of its own process group, so a
 * timeout or cancellation can stop terraform together with its provider plugins and any grandchild.
 * After a normal exit, stragglers left in the group are killed too: no orphan outlives a run.
 */
export async function runProcessTree(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<ProcessRun> {
  if (options.signal.aborted) return { exitCode: null, stdout: '', all: '', stopped: true };
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    all: true,
    reject: false,
    stripFinalNewline: false,
  });
  const pid = child.pid;
  if (pid !== undefined) trackGroup(pid);
  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    if (pid !== undefined) stopping ??= stopGroup(pid, options.killGraceMs);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  const result = await child;
  options.signal.removeEventListener('abort', onAbort);
  if (pid !== undefined) activeGroups.delete(pid);
  if (stopping) await stopping;
  else if (pid !== undefined && groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  const code = (result as { code?: string }).code;
  if (pid === undefined || (result.exitCode === undefined && (code === 'ENOENT' || code === 'EACCES'))) {
    return { exitCode: null, stdout: '', all: '', stopped: false, spawnError: code ?? 'spawn failed' };
  }
  return {
    exitCode: stopping ? null : (result.exitCode ?? null),
    stdout: String(result.stdout ?? ''),
    all: String(result.all ?? ''),
    stopped: stopping !== undefined,
  };
}
