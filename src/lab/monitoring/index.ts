/** Prometheus + Alertmanager for the lab: detect a dead primary site, tell lifeboat. */
export {
  primaryDownLabels,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  renderRules,
} from './config.js';
export type { ScrapeTarget } from './config.js';
export {
  monitoringFiles,
  startMonitoring,
  stopMonitoring,
  writeMonitoringConfig,
} from './monitoring.js';
export type { MonitoringEndpoints, WebhookTarget } from './monitoring.js';
