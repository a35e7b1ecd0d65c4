/**
 * Prometheus and Alertmanager configuration for the lab (pure). Tuned for a drill, not
 * for production: 1 s scrapes and evaluations, and Alertmanager forwarding at once.
 */
import { stringify } from 'yaml';

/** One scrape job per member cluster, named after the cluster. */
export interface ScrapeTarget {
  job: string;
  address: string;
}

/** prometheus.yml: 1 s scrape and evaluation, one job per cluster, our Alertmanager. */
export function renderPrometheusConfig(input: {
  targets: readonly ScrapeTarget[];
  alertmanager: string;
  rulesFile: string;
}): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '800ms', evaluation_interval: '1s' },
    rule_files: [input.rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [input.alertmanager] }] }] },
    scrape_configs: input.targets.map((t) => ({
      job_name: t.job,
      static_configs: [{ targets: [t.address], labels: { cluster: t.job } }],
    })),
  });
}

/** Labels of the alert the failover plan matches (`alertLabels: {app: example-app}`). */
export function primaryDownLabels(cluster: string): Record<string, string> {
  return { app: 'example-app', cluster, severity: 'critical' };
}

/**
 * The lab's alerting rules. `PostgresPrimaryDown` fires when `primaryCluster`'s database
 * is down: its whole cluster (the metrics endpoint is gone: `up == 0`) or only its
 * PostgreSQL. It carries `app: example-app`, which the seed's failover plan matches.
 * `PostgresStandbyDown` watches `standbyCluster` and deliberately has no `app` label:
 * losing the standby must never start a failover.
 */
export function renderRules(input: {
  primaryCluster: string;
  standbyCluster: string;
  forDuration?: string;
}): string {
  const down = (cluster: string): string =>
    // max() gives both sides the same (empty) label set, so the `or` yields one series:
    // one alert whether the cluster or only its database died.
    `(max(up{job="${cluster}"}) == 0) or (max(lifeboat_lab_postgres_up{cluster="${cluster}"}) == 0)`;
  return stringify({
    groups: [
      {
        name: 'lifeboat-lab',
        interval: '1s',
        rules: [
          {
            alert: 'PostgresPrimaryDown',
            expr: down(input.primaryCluster),
            for: input.forDuration ?? '1s',
            labels: primaryDownLabels(input.primaryCluster),
            annotations: {
              summary: `PostgreSQL of ${input.primaryCluster} (the primary site) is down`,
              description: `The /metrics endpoint of ${input.primaryCluster} or its PostgreSQL stopped answering.`,
            },
          },
          {
            alert: 'PostgresStandbyDown',
            expr: down(input.standbyCluster),
            for: input.forDuration ?? '1s',
            labels: { cluster: input.standbyCluster, severity: 'warning', lab: 'lifeboat' },
            annotations: {
              summary: `PostgreSQL of ${input.standbyCluster} (the standby site) is down`,
            },
          },
        ],
      },
    ],
  });
}

/**
 * alertmanager.yml: every alert to lifeboat's webhook with a bearer token read from
 * `credentialsFile`, forwarded at once (`group_wait: 0s`), resolutions included.
 */
export function renderAlertmanagerConfig(input: {
  webhookUrl: string;
  credentialsFile: string;
  groupInterval?: string;
  repeatInterval?: string;
}): string {
  return stringify({
    route: {
      receiver: 'lifeboat',
      group_by: ['alertname', 'cluster'],
      group_wait: '0s',
      group_interval: input.groupInterval ?? '1s',
      repeat_interval: input.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'lifeboat',
        webhook_configs: [
          {
            url: input.webhookUrl,
            send_resolved: true,
            http_config: {
              authorization: { type: 'Bearer', credentials_file: input.credentialsFile },
            },
          },
        ],
      },
    ],
  });
}
