import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClientContext, Redis, Result } from 'ioredis';

/** Prefix of every driftd command on a client, so scripts never collide with a host app's commands. */
export const SCRIPT_PREFIX = 'driftd_';

/** Where the `*.lua` files live: next to this module, in src/ and (copied by the build) in dist/. */
export const LUA_DIR = fileURLToPath(new URL('./lua/', import.meta.url));

export interface ScriptFile {
  /** camelCase operation name, e.g. `claimJob`; the command is `driftd_claimJob`. */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

const FILE_NAME = /^([a-z][A-Za-z]*)-(\d+)\.lua$/;
let cached: readonly ScriptFile[] | undefined;

/** Reads every `verbNoun-<numKeys>.lua` in `dir` (cached for the default dir). */
export function readScripts(dir: string = LUA_DIR): readonly ScriptFile[] {
  if (dir === LUA_DIR && cached) return cached;
  const scripts = readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((file) => {
      const m = FILE_NAME.exec(file);
      if (!m) throw new Error(`lua script ${file} is not named verbNoun-<numKeys>.lua`);
      return { name: m[1]!, numberOfKeys: Number(m[2]), lua: readFileSync(`${dir}/${file}`, 'utf8') };
    });
  const names = new Set<string>();
  for (const s of scripts) {
    if (names.has(s.name)) throw new Error(`two lua scripts in ${dir} are named ${s.name}: keep one`);
    names.add(s.name);
  }
  if (dir === LUA_DIR) cached = scripts;
  return scripts;
}

const loaded = new WeakSet<Redis>();

/**
 * Defines every script as `driftd_<name>` on `client` (idempotent per client). ioredis sends EVALSHA and
 * falls back to EVAL on NOSCRIPT, so a restarted (script-cache-less) Redis needs nothing from us.
 */
export function loadScripts(client: Redis): void {
  if (loaded.has(client)) return;
  for (const s of readScripts()) {
    client.defineCommand(`${SCRIPT_PREFIX}${s.name}`, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  loaded.add(client);
}

/** A script's raw reply: integers, bulk strings (null when absent) and nested arrays of those. */
export type ScriptReply = readonly unknown[];
type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    driftd_acquireLock(lock: string, owner: string, ttlMs: Arg): Result<number, Context>;
    driftd_renewLock(lock: string, owner: string, ttlMs: Arg): Result<number, Context>;
    driftd_releaseLock(lock: string, owner: string): Result<number, Context>;
    driftd_renewTaskLock(task: string, lock: string, lockTtlMs: Arg): Result<number, Context>;
    driftd_startTask(
      ...args: [
        lock: string,
        active: string,
        task: string,
        oldTask: string,
        ready: string,
        seq: string,
        live: string,
        repoTasks: string,
        leases: string,
        queue: string,
        oldQueue: string,
        taskId: string,
        repo: string,
        triggerJson: string,
        commit: string,
        stack: string,
        maxAttempts: Arg,
        lockTtlMs: Arg,
        supersede: '1' | '0',
        seenActive: string,
        cancelReason: string,
        retentionMs: Arg,
        tasksCap: Arg,
        wakeChannel: string,
        jobIdsJson: string,
        stacksJson: string,
      ]
    ): Result<ScriptReply, Context>;
    driftd_settleJobs(
      ...args: [
        ready: string,
        leases: string,
        events: string,
        claimTask: string,
        claimQueue: string,
        claimLock: string,
        task: string,
        lock: string,
        active: string,
        live: string,
        seq: string,
        eventCapacity: Arg,
        retentionMs: Arg,
        taskId: string,
        finishedMembers: string,
        claimTaskId: string,
        startedMembers: string,
        completes: number,
        claimers: number,
        ...perCompleteThenPerClaimer: Arg[],
      ]
    ): Result<ScriptReply, Context>;
    driftd_failJob(
      ...args: [
        task: string,
        lock: string,
        active: string,
        live: string,
        leases: string,
        ready: string,
        queue: string,
        seq: string,
        events: string,
        jobId: string,
        token: string,
        kind: string,
        message: string,
        retryable: '1' | '0',
        errored: '1' | '0',
        resultJson: string,
        retentionMs: Arg,
        wakeChannel: string,
        taskId: string,
        eventCapacity: Arg,
        failedMembers: string,
        finishedMembers: string,
      ]
    ): Result<ScriptReply, Context>;
    driftd_renewLease(
      task: string,
      leases: string,
      lock: string,
      jobId: string,
      token: string,
      leaseMs: Arg,
      lockTtlMs: Arg,
    ): Result<number, Context>;
    driftd_releaseJob(
      task: string,
      leases: string,
      queue: string,
      seq: string,
      ready: string,
      jobId: string,
      token: string,
      wakeChannel: string,
      taskId: string,
    ): Result<number, Context>;
    driftd_recoverLease(
      task: string,
      lock: string,
      active: string,
      live: string,
      leases: string,
      queue: string,
      seq: string,
      ready: string,
      jobId: string,
      retryable: '1' | '0',
      retentionMs: Arg,
      wakeChannel: string,
    ): Result<ScriptReply, Context>;
    driftd_cancelTask(
      task: string,
      lock: string,
      active: string,
      live: string,
      ready: string,
      leases: string,
      queue: string,
      reason: string,
      retentionMs: Arg,
    ): Result<ScriptReply, Context>;
    driftd_expireTask(
      task: string,
      lock: string,
      active: string,
      live: string,
      ready: string,
      leases: string,
      queue: string,
      maxAgeMs: Arg,
      reason: string,
      retentionMs: Arg,
    ): Result<ScriptReply, Context>;
  }
}
