/** Alertmanager's webhook payload (version 4) with one firing alert, as the benches send it. */
export function alertmanagerNotification(
  labels: Record<string, string>,
  alert: { startsAt: string; fingerprint: string },
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname ?? ''}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'lifeboat',
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: { summary: 'bench' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'bench' },
        startsAt: alert.startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: alert.fingerprint,
      },
    ],
  };
}
