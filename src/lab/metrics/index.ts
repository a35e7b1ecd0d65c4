/** The per-cluster `/metrics` endpoints Prometheus scrapes (they die with their cluster). */
export { databaseSamples, haproxySamples } from './collectors.js';
export { startMetricsServer } from './server.js';
export type { MetricsServer } from './server.js';
export { formatMetrics } from './text.js';
export type { Sample } from './text.js';
