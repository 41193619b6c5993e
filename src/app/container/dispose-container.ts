import type { AwilixContainer } from 'awilix';
import type { Cradle } from './cradle.js';

/**
 * Shuts a container down in order: awilix runs disposers in parallel, but running jobs must be handed back
 * and the reaper stopped while the coordination store is still connected. Only what was resolved is
 * touched, so an unused worker pool is never created just to be drained.
 */
export async function disposeContainer(container: AwilixContainer<Cradle>, graceMs?: number): Promise<void> {
  const { cache, cradle } = container;
  if (cache.has('workerPool')) await cradle.workerPool.drain(graceMs);
  if (cache.has('reaper')) await cradle.reaper.stop();
  await container.dispose();
}
