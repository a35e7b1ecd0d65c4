/**
 * Prometheus metrics, on a registry per process wiring (not prom-client's global one),
 * so tests and several in-process servers never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  // Gauges read at scrape time from whoever owns the state (propagation registers one).
  const scrapeHooks = new Set<() => void>();
  const refresh = (): void => {
    for (const hook of scrapeHooks) hook();
  };
  if (opts.defaults !== false)
    collectDefaultMetrics({ register: registry, prefix: 'lifeboat_process_' });
  const m = {
    registry,
    httpRequests: new Counter({
      name: 'lifeboat_http_requests_total',
      help: 'HTTP requests by method, route and status code.',
      labelNames: ['method', 'route', 'code'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'lifeboat_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    objectsApplied: new Counter({
      name: 'lifeboat_objects_applied_total',
      help: 'Objects written through /apply and GitOps, by action.',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    gitopsErrors: new Gauge({
      name: 'lifeboat_gitops_file_errors',
      help: 'GitOps files that currently fail to load (their last good version stays in force).',
      registers: [registry],
    }),
    alertsReceived: new Counter({
      name: 'lifeboat_alerts_received_total',
      help: 'Alerts received on the webhook, by outcome (run_started, duplicate, suppressed, no_match, recorded).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'lifeboat_webhook_duration_seconds',
      help: 'Alertmanager webhook handling latency, from request to durable record.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    runs: new Counter({
      name: 'lifeboat_recovery_runs_total',
      help: 'Recovery runs finished, by plan and phase.',
      labelNames: ['plan', 'phase'] as const,
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'lifeboat_recovery_run_duration_seconds',
      help: 'Recovery run duration by plan.',
      labelNames: ['plan'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'lifeboat_recovery_step_duration_seconds',
      help: 'Recovery step duration by step type and result.',
      labelNames: ['type', 'result'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    // --- propagation (docs/propagation.md#metrics) ---
    propagationApplies: new Counter({
      name: 'lifeboat_propagation_applies_total',
      help: 'Server-side applies to member clusters, by cluster and result (applied, refused = 4xx, error = 429/5xx, unreachable).',
      labelNames: ['cluster', 'result'] as const,
      registers: [registry],
    }),
    propagationApplyDuration: new Histogram({
      name: 'lifeboat_propagation_apply_duration_seconds',
      help: 'Duration of one server-side apply to a member cluster, whatever its result (namespace creation included).',
      labelNames: ['cluster'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    propagationPrunes: new Counter({
      name: 'lifeboat_propagation_prunes_total',
      help: 'Objects deleted from a member cluster because they are no longer placed there.',
      labelNames: ['cluster'] as const,
      registers: [registry],
    }),
    propagationDrift: new Counter({
      name: 'lifeboat_propagation_drift_corrections_total',
      help: 'Re-applies because a member copy drifted, by cause (changed: fields lifeboat owns were edited; deleted; missing: absent from a full list).',
      labelNames: ['cluster', 'cause'] as const,
      registers: [registry],
    }),
    propagationResyncDuration: new Histogram({
      name: 'lifeboat_propagation_resync_duration_seconds',
      help: 'Duration of one full list of a followed kind in a member cluster (start, periodic resync, expired watch).',
      labelNames: ['cluster'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    propagationCatchUpDuration: new Histogram({
      name: 'lifeboat_propagation_catchup_duration_seconds',
      help: 'From a member cluster turning Ready to its whole desired state re-applied (the fencing gate opening).',
      labelNames: ['cluster'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    propagationReconcileDuration: new Histogram({
      name: 'lifeboat_propagation_reconcile_duration_seconds',
      help: 'Duration of one scheduling pass over every hub object (placements and desired copies).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    propagationQueueDepth: new Gauge({
      name: 'lifeboat_propagation_queue_depth',
      help: 'Objects waiting to be applied or pruned in a member cluster (not counting those in flight).',
      labelNames: ['cluster'] as const,
      registers: [registry],
      collect: refresh,
    }),
    propagationObjects: new Gauge({
      name: 'lifeboat_propagation_objects',
      help: 'Copies per member cluster by state: desired, applied (desired state in place), failed (refused).',
      labelNames: ['cluster', 'state'] as const,
      registers: [registry],
      collect: refresh,
    }),
    clusterReady: new Gauge({
      name: 'lifeboat_cluster_ready',
      help: 'Whether a registered member cluster is Ready (1) or not (0).',
      labelNames: ['cluster'] as const,
      registers: [registry],
      collect: refresh,
    }),
    /** Runs `hook` before each scrape of the gauges above; returns the unregister function. */
    onScrape(hook: () => void): () => void {
      scrapeHooks.add(hook);
      return () => scrapeHooks.delete(hook);
    },
  };
  return m;
}

/** What propagation records (tests and tools may pass a whole {@link Metrics}). */
export type PropagationMetrics = Pick<
  Metrics,
  | 'propagationApplies'
  | 'propagationApplyDuration'
  | 'propagationPrunes'
  | 'propagationDrift'
  | 'propagationResyncDuration'
  | 'propagationCatchUpDuration'
  | 'propagationReconcileDuration'
  | 'propagationQueueDepth'
  | 'propagationObjects'
  | 'clusterReady'
  | 'onScrape'
>;

export type Metrics = ReturnType<typeof createMetrics>;
