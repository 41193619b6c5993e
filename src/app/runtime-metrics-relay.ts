import type { RuntimeMetrics } from '../ports/runtime-metrics.port.js';

/**
 * The process's `RuntimeMetrics`: registered at container creation, before any metrics sink exists (serve
 * builds its Prometheus metrics with the HTTP app, a worker only with `--metrics-addr`), so reports are
 * forwarded to whichever sinks are connected, and dropped while there is none.
 */
export interface RuntimeMetricsRelay extends RuntimeMetrics {
  /** Forwards every report to `sink` from now on; the returned function disconnects it. */
  connect(sink: RuntimeMetrics): () => void;
}

export function makeRuntimeMetricsRelay(): RuntimeMetricsRelay {
  const sinks = new Set<RuntimeMetrics>();
  return {
    connect(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    lockRenewFailed: () => {
      for (const sink of sinks) sink.lockRenewFailed();
    },
    leaseTakeovers: (count) => {
      for (const sink of sinks) sink.leaseTakeovers(count);
    },
    toolInstalled: (tool) => {
      for (const sink of sinks) sink.toolInstalled(tool);
    },
    toolCacheHit: (tool) => {
      for (const sink of sinks) sink.toolCacheHit(tool);
    },
  };
}
