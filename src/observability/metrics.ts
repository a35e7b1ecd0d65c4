/**
 * Prometheus metrics, on a registry per process wiring (not prom-client's global one),
 * so tests and several in-process servers never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
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
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
