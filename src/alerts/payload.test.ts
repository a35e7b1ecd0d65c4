import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import { normalizeAlerts, parseWebhookPayload } from './payload.js';

// The reference notification (payload version 4), as Alertmanager sends it.
const v4 = {
  version: '4',
  groupKey: '{}/{app="example-app"}:{alertname="PostgresPrimaryDown"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'lifeboat',
  groupLabels: { alertname: 'PostgresPrimaryDown' },
  commonLabels: {
    alertname: 'PostgresPrimaryDown',
    app: 'example-app',
    cluster: 'cluster-1',
    severity: 'critical',
  },
  commonAnnotations: { summary: 'Primary PostgreSQL in cluster-1 is unreachable' },
  externalURL: 'http://alertmanager.example:9093',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'PostgresPrimaryDown',
        app: 'example-app',
        cluster: 'cluster-1',
        severity: 'critical',
      },
      annotations: { summary: 'Primary PostgreSQL in cluster-1 is unreachable' },
      startsAt: '2026-11-21T10:15:03.123Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL:
        'http://prometheus.example:9090/graph?g0.expr=up%7Bjob%3D%22pg-cluster-1%22%7D+%3D%3D+0',
      fingerprint: '7c1f2b9e6d0a4c3b',
    },
  ],
};
const NOW = '2026-11-21T10:20:00.000Z';

function fail(body: unknown): BadRequestError {
  try {
    parseWebhookPayload(body);
  } catch (err) {
    if (err instanceof BadRequestError) return err;
    throw err;
  }
  throw new Error('expected a BadRequestError');
}

describe('webhook payload', () => {
  it('reads the Alertmanager v4 payload as sent', () => {
    const [a] = normalizeAlerts(parseWebhookPayload(v4), NOW);
    expect(a).toStrictEqual({
      fingerprint: '7c1f2b9e6d0a4c3b',
      fingerprintComputed: false,
      status: 'firing',
      startsAt: '2026-11-21T10:15:03.123Z',
      startsAtGiven: true,
      labels: {
        alertname: 'PostgresPrimaryDown',
        app: 'example-app',
        cluster: 'cluster-1',
        severity: 'critical',
      },
      annotations: { summary: 'Primary PostgreSQL in cluster-1 is unreachable' },
      generatorURL:
        'http://prometheus.example:9090/graph?g0.expr=up%7Bjob%3D%22pg-cluster-1%22%7D+%3D%3D+0',
    });
  });

  it('ignores keys newer Alertmanagers add', () => {
    const body = { ...v4, notification_reason: 'new_alerts', routeLabels: { team: 'db' } };
    expect(normalizeAlerts(parseWebhookPayload(body), NOW)).toHaveLength(1);
  });

  it('fills what a curl body leaves out', () => {
    const [a] = normalizeAlerts(
      parseWebhookPayload({ alerts: [{ labels: { app: 'example-app' } }] }),
      NOW,
    );
    expect(a).toStrictEqual({
      fingerprint: '225fab3549610b6c',
      fingerprintComputed: true,
      status: 'firing',
      startsAt: NOW,
      startsAtGiven: false,
      labels: { app: 'example-app' },
      annotations: {},
    });
  });

  it('takes the status from the notification when an alert has none, and drops the zero endsAt', () => {
    const [a] = normalizeAlerts(
      parseWebhookPayload({
        status: 'resolved',
        alerts: [
          { labels: { a: 'b' }, startsAt: '0001-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' },
        ],
      }),
      NOW,
    );
    expect(a).toMatchObject({ status: 'resolved', startsAt: NOW, startsAtGiven: false });
    expect(a).not.toHaveProperty('endsAt');
  });

  it.each([
    ['an array', [], ''],
    ['no alerts key', { receiver: 'x' }, 'alerts'],
    ['an empty alerts list', { alerts: [] }, 'alerts'],
    ['alerts not a list', { alerts: { labels: {} } }, 'alerts'],
    ['an alert without labels', { alerts: [{ status: 'firing' }] }, 'alerts[0].labels'],
    ['an alert with empty labels', { alerts: [{ labels: {} }] }, 'alerts[0].labels'],
    [
      'a numeric label value',
      { alerts: [{ labels: { severity: 1 } }] },
      'alerts[0].labels.severity',
    ],
    [
      'an unknown status',
      { alerts: [{ labels: { a: 'b' }, status: 'pending' }] },
      'alerts[0].status',
    ],
    [
      'a startsAt that is not a time',
      { alerts: [{ labels: { a: 'b' }, startsAt: 'yesterday' }] },
      'alerts[0].startsAt',
    ],
  ])('rejects %s with a 400 naming the field', (_label, body, field) => {
    const err = fail(body);
    expect(err.code).toBe(400);
    if (field) expect(err.causes.map((c) => c.field)).toContain(field);
  });
});
