import { readFileSync } from 'node:fs';
import { asFunction, asValue, type NameAndRegistrationPair } from 'awilix';
import { FsResultStore } from '../../adapters/fs/fs-result-store.js';
import {
  createMemoryCoordination,
  type MemoryCoordination,
  MemoryEventBus,
  NoopLogger,
  SystemClock,
} from '../../adapters/memory/index.js';
import { DriftdError } from '../../domain/errors.js';
import { type LockPolicy, resolveLockPolicy } from '../../domain/lock-policy.js';
import type { DriftdConfig, WorkerConfig } from '../config/types.js';
import { makeIdGenerator } from '../ids.js';
import { makeRuntimeMetricsRelay } from '../runtime-metrics-relay.js';
import { makeStackCatalog } from '../stack-catalog.js';
import { makeCancelTask } from '../use-cases/cancel-task.js';
import { makeDriftHistory } from '../use-cases/drift-history.js';
import { makeProcessJob } from '../use-cases/process-job.js';
import { makeQueries } from '../use-cases/queries.js';
import { makeReaper } from '../use-cases/reaper.js';
import { makeStackSummaries } from '../use-cases/stack-summaries.js';
import { makeStartTask } from '../use-cases/start-task.js';
import { makeWorkerPool } from '../worker/worker-pool.js';
import type { Cradle } from './cradle.js';

/** A group of registrations; a composition root registers several, later groups replacing earlier ones. */
export type Resolvers = NameAndRegistrationPair<Cradle>;

export function lockPolicyOf(worker: WorkerConfig): LockPolicy {
  const policy = resolveLockPolicy(worker);
  if (policy.ok) return policy.value;
  const problems = policy.error.map((p) => `worker.${p.key} ${p.message}`).join('; ');
  throw new DriftdError('DRIFTD_CONFIG_INVALID', `invalid lock settings: ${problems}`);
}

/** The package version, for `/api/health` (package.json sits three levels up in both src/ and dist/). */
function readAppVersion(): string {
  try {
    const raw = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    const version: unknown = (JSON.parse(raw) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Config slices, policy, clock, ids, the default (silent) logger, use cases, read side, reaper and worker
 * loop. Adapters come from the other groups. Anything with timers gets a disposer.
 */
export function coreResolvers(config: DriftdConfig): Resolvers {
  return {
    config: asValue(config),
    repos: asValue(config.repos),
    workerConfig: asValue(config.worker),
    lockPolicy: asValue(lockPolicyOf(config.worker)),
    appVersion: asValue(readAppVersion()),
    env: asValue(process.env),
    clock: asFunction(() => new SystemClock()).singleton(),
    logger: asValue(new NoopLogger()),
    ids: asFunction(makeIdGenerator).singleton(),
    runtimeMetrics: asFunction(makeRuntimeMetricsRelay).singleton(),
    resultStore: asFunction(
      ({ clock }: Cradle) => new FsResultStore({ dataDir: config.dataDir, clock }),
    ).singleton(),
    resultSink: asFunction(({ resultStore }: Cradle) => resultStore).singleton(),
    stackCatalog: asFunction(makeStackCatalog).singleton(),
    driftHistory: asFunction(makeDriftHistory)
      .singleton()
      .disposer((h) => h.close()),
    stackSummaries: asFunction(makeStackSummaries)
      .singleton()
      .disposer((s) => s.close()),
    startTask: asFunction(makeStartTask).singleton(),
    cancelTask: asFunction(makeCancelTask).singleton(),
    queries: asFunction(makeQueries).singleton(),
    processJob: asFunction(makeProcessJob).singleton(),
    reaper: asFunction(makeReaper)
      .singleton()
      .disposer((r) => r.stop()),
    workerPool: asFunction(makeWorkerPool)
      .singleton()
      .disposer((pool) => pool.drain()),
  };
}

/**
 * In-process coordination (embedded mode, tests): one memory coordination shared by the task store, the
 * job queue and the repo lock (so their steps are atomic together), and an in-process event bus.
 */
export function memoryResolvers(): Resolvers {
  // Per call, so every container gets its own state; created on first use with that container's clock.
  let coordination: MemoryCoordination | null = null;
  const shared = ({ clock }: Cradle) => {
    coordination ??= createMemoryCoordination(clock);
    return coordination;
  };
  return {
    taskStore: asFunction((c: Cradle) => shared(c).tasks).singleton(),
    jobQueue: asFunction((c: Cradle) => shared(c).queue).singleton(),
    repoLock: asFunction((c: Cradle) => shared(c).lock).singleton(),
    eventBus: asFunction(({ logger }: Cradle) => new MemoryEventBus({ logger })).singleton(),
    redis: asValue(null),
    healthPing: asValue(null),
  };
}
