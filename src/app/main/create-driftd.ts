import { asValue } from 'awilix';
import { DriftdError } from '../../domain/errors.js';
import type { DomainEvent } from '../../domain/events.js';
import type { Unsubscribe } from '../../ports/event-bus.port.js';
import type { Env } from '../config/env-refs.js';
import { loadConfigFile, parseConfig } from '../config/load-config.js';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from '../container/cradle.js';
import { createEmbeddedContainer } from '../container/create-embedded-container.js';
import { disposeContainer } from '../container/dispose-container.js';
import type { Resolvers } from '../container/resolvers.js';
import type { Driftd, DriftdAdapters, DriftdEvents, DriftdOptions } from './driftd-api.js';
import { waitForTask } from './wait-for-task.js';

/** The container registrations for the adapters an embedder supplied (only those given). */
function adapterOverrides(adapters: DriftdAdapters = {}, env?: Env): Resolvers {
  const { coordination, ...single } = adapters;
  const given: [string, unknown][] = Object.entries(single).filter(([, value]) => value !== undefined);
  if (coordination) given.push(...Object.entries(coordination));
  // A result store given without a sink: workers record into it too.
  if (adapters.resultStore && !adapters.resultSink) given.push(['resultSink', adapters.resultStore]);
  if (env) given.push(['env', env]);
  return Object.fromEntries(given.map(([name, value]) => [name, asValue(value)])) as Resolvers;
}

async function configOf(options: DriftdOptions): Promise<DriftdConfig> {
  const env = options.env ?? process.env;
  if (typeof options.config === 'string') return loadConfigFile(options.config, env);
  return parseConfig(options.config, '<object>', env);
}

/** `on`/`off`/`onAny` over the event bus, remembering every subscription so `close()` can drop them. */
function makeEvents(cradle: Cradle, subscriptions: Set<Unsubscribe>): DriftdEvents {
  // type → handler → its subscriptions (a handler added twice is called twice, and `off` removes both).
  const byHandler = new Map<string, Map<unknown, Set<Unsubscribe>>>();
  const track = (unsubscribe: Unsubscribe): Unsubscribe => {
    const once = () => {
      if (subscriptions.delete(once)) unsubscribe();
    };
    subscriptions.add(once);
    return once;
  };
  return {
    on(type, handler) {
      const unsubscribe = track(cradle.eventBus.on(type, handler));
      const handlers = byHandler.get(type) ?? new Map<unknown, Set<Unsubscribe>>();
      byHandler.set(type, handlers);
      const own = handlers.get(handler) ?? new Set<Unsubscribe>();
      handlers.set(handler, own.add(unsubscribe));
      return () => {
        own.delete(unsubscribe);
        unsubscribe();
      };
    },
    off(type, handler) {
      const handlers = byHandler.get(type);
      for (const unsubscribe of handlers?.get(handler) ?? []) unsubscribe();
      handlers?.delete(handler);
    },
    onAny(handler: (event: DomainEvent) => void): Unsubscribe {
      return track(cradle.eventBus.subscribe((stored) => handler(stored.event)));
    },
    readAfter: (lastId, limit) => cradle.eventBus.readAfter(lastId, limit),
  };
}

/**
 * Creates a driftd instance for a host application: the same use cases, worker loop and reaper as
 * `driftd serve`, composed in-process. Coordination is in memory unless the config has a `redis:` section;
 * any port can be replaced through `options.adapters`. Nothing starts until `start()`, and nothing is
 * written to the console (the default logger is silent).
 *
 * @throws DriftdError `DRIFTD_CONFIG_INVALID` when the config (object or file) is invalid.
 * @example
 * const driftd = await createDriftd({ config: { repos: [{ name: 'infra', url: './infra' }] } });
 * driftd.events.on('job.completed', (e) => console.log(e.stack, e.status));
 * driftd.start();
 * const started = await driftd.startTask({ repo: 'infra' });
 * if (started.kind === 'started') await driftd.waitForTask(started.task.id);
 * await driftd.close();
 */
export async function createDriftd(options: DriftdOptions): Promise<Driftd> {
  const config = await configOf(options);
  const overrides = adapterOverrides(options.adapters, options.env);
  const container = createEmbeddedContainer({ config, overrides });
  const { cradle } = container;
  const subscriptions = new Set<Unsubscribe>();
  const events = makeEvents(cradle, subscriptions);
  const closed = new AbortController();
  let closing: Promise<void> | null = null;
  const queries = () => cradle.queries;
  return {
    config,
    mode: config.redis && !options.adapters?.coordination ? 'redis' : 'memory',
    events,
    on: events.on,
    start(startOptions = {}) {
      if (closing)
        throw new DriftdError('DRIFTD_INVALID_INPUT', 'start() after close(): create a new instance');
      if (startOptions.workers !== false) cradle.workerPool.start();
      if (startOptions.reaper !== false) cradle.reaper.start();
    },
    startTask: ({ trigger = { kind: 'library' }, ...input }) => cradle.startTask({ ...input, trigger }),
    cancelTask: (taskId, reason) => cradle.cancelTask(taskId, reason),
    waitForTask: (taskId, waitOptions) =>
      waitForTask(queries(), events, taskId, { ...waitOptions, closed: closed.signal }),
    getTask: (id) => queries().getTask(id),
    getJob: (id) => queries().getJob(id),
    listRepos: () => queries().listRepos(),
    getRepo: (repo) => queries().getRepo(repo),
    listStacks: (repo) => queries().listStacks(repo),
    getStack: (repo, stack) => queries().getStack(repo, stack),
    getPlanText: (repo, stack) => queries().getPlanText(repo, stack),
    getHistory: (repo, stack, limit) => queries().getHistory(repo, stack, limit),
    listRepoTasks: (repo, limit) => queries().listRepoTasks(repo, limit),
    listRepoJobs: (repo, limit) => queries().listRepoJobs(repo, limit),
    overview: () => queries().overview(),
    health: () => queries().health(),
    close(graceMs) {
      closing ??= (async () => {
        closed.abort();
        for (const unsubscribe of [...subscriptions]) unsubscribe();
        await disposeContainer(container, graceMs);
      })();
      return closing;
    },
  };
}
