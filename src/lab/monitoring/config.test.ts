import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderAlertmanagerConfig, renderPrometheusConfig, renderRules } from './config.js';

describe('monitoring configuration', () => {
  it('scrapes every cluster each second and alerts through our Alertmanager', () => {
    expect(
      parse(
        renderPrometheusConfig({
          targets: [{ job: 'cluster-1', address: '127.0.1.1:9187' }],
          alertmanager: '127.0.0.1:9093',
          rulesFile: '/lab/monitoring/rules.yml',
        }),
      ),
    ).toStrictEqual({
      global: { scrape_interval: '1s', scrape_timeout: '800ms', evaluation_interval: '1s' },
      rule_files: ['/lab/monitoring/rules.yml'],
      alerting: { alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:9093'] }] }] },
      scrape_configs: [
        {
          job_name: 'cluster-1',
          static_configs: [{ targets: ['127.0.1.1:9187'], labels: { cluster: 'cluster-1' } }],
        },
      ],
    });
  });

  it('only the primary-site alert carries the label the failover plan matches', () => {
    const rules = parse(
      renderRules({ primaryCluster: 'cluster-1', standbyCluster: 'cluster-2' }),
    ) as {
      groups: {
        interval: string;
        rules: { alert: string; expr: string; for: string; labels: Record<string, string> }[];
      }[];
    };
    const [primary, standby] = rules.groups[0]!.rules;
    expect(rules.groups[0]!.interval).toBe('1s');
    expect(primary).toMatchObject({
      alert: 'PostgresPrimaryDown',
      expr: '(max(up{job="cluster-1"}) == 0) or (max(lifeboat_lab_postgres_up{cluster="cluster-1"}) == 0)',
      for: '1s',
      labels: { app: 'example-app', cluster: 'cluster-1', severity: 'critical' },
    });
    expect(standby!.alert).toBe('PostgresStandbyDown');
    expect(standby!.expr).toContain('cluster-2');
    expect(standby!.labels).not.toHaveProperty('app');
  });

  it('forwards at once to the webhook with a bearer token from a file', () => {
    const am = parse(
      renderAlertmanagerConfig({
        webhookUrl: 'http://127.0.0.1:8080/webhooks/alertmanager',
        credentialsFile: '/lab/token',
      }),
    ) as Record<string, any>;
    expect(am.route).toMatchObject({
      receiver: 'lifeboat',
      group_wait: '0s',
      group_interval: '1s',
    });
    expect(am.receivers[0].webhook_configs[0]).toStrictEqual({
      url: 'http://127.0.0.1:8080/webhooks/alertmanager',
      send_resolved: true,
      http_config: { authorization: { type: 'Bearer', credentials_file: '/lab/token' } },
    });
  });
});
