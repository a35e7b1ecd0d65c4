/**
 * The body Alertmanager POSTs to a webhook (payload version 4) and the minimal form a
 * person types into curl (`{"alerts":[{"labels":{"app":"example-app"}}]}`). Unknown
 * keys are ignored, so newer Alertmanagers (`notification_reason`, `routeLabels`)
 * keep working. Parsing is pure: `normalizeAlerts` fills what curl leaves out.
 */
import { z } from 'zod';
import { BadRequestError, type Cause } from '../errors.js';
import { formatFieldPath, type PathSegment } from '../resources/field-path.js';
import { fingerprintOf } from './fingerprint.js';

/** Most alerts one notification may carry; Alertmanager truncates groups long before this. */
export const MAX_ALERTS_PER_NOTIFICATION = 1000;

const alertStatus = z.enum(['firing', 'resolved'], {
  error: (i) => `status ${JSON.stringify(i.input)} is not firing or resolved`,
});

const stringMap = (what: string) =>
  z.record(
    z.string(),
    z.string({ error: (i) => `${what} values must be strings; got ${typeof i.input}` }),
    {
      error: `${what} must be a map of strings, e.g. {"app": "example-app"}`,
    },
  );

const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), {
  error: 'must be an RFC 3339 time, e.g. 2026-11-21T10:15:03.123Z',
});

export const webhookAlert = z.looseObject({
  status: alertStatus.optional(),
  labels: stringMap('labels').refine((l) => Object.keys(l).length > 0, {
    error: 'an alert needs at least one label',
  }),
  annotations: stringMap('annotations').optional(),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(128).optional(),
});

export const webhookPayload = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().optional(),
  status: alertStatus.optional(),
  receiver: z.string().optional(),
  groupLabels: stringMap('groupLabels').optional(),
  commonLabels: stringMap('commonLabels').optional(),
  commonAnnotations: stringMap('commonAnnotations').optional(),
  externalURL: z.string().optional(),
  alerts: z
    .array(webhookAlert, {
      error: 'alerts must be a list, e.g. {"alerts":[{"labels":{"app":"example-app"}}]}',
    })
    .min(1, 'alerts is empty; send at least one alert')
    .max(MAX_ALERTS_PER_NOTIFICATION, `at most ${MAX_ALERTS_PER_NOTIFICATION} alerts per request`),
});

export type WebhookPayload = z.infer<typeof webhookPayload>;

/** One alert, with everything curl may leave out filled in. */
export interface NormalizedAlert {
  fingerprint: string;
  /** True when lifeboat computed the fingerprint from the labels. */
  fingerprintComputed: boolean;
  status: 'firing' | 'resolved';
  /** As sent; when absent, the time lifeboat received it (each hand-sent alert is a new occurrence). */
  startsAt: string;
  startsAtGiven: boolean;
  endsAt?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL?: string;
}

/** Alertmanager's "no time" (Go's zero time), sent as endsAt of firing alerts and never meaningful. */
function isZeroTime(t: string | undefined): boolean {
  return t === undefined || t.startsWith('0001-01-01');
}

/** Validates a webhook body; throws BadRequestError (400: Alertmanager does not retry it) naming the field. */
export function parseWebhookPayload(body: unknown): WebhookPayload {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(
      'the body must be a JSON object with an "alerts" list, e.g. {"alerts":[{"labels":{"app":"example-app"}}]}',
    );
  }
  const res = webhookPayload.safeParse(body);
  if (res.success) return res.data;
  const causes: Cause[] = res.error.issues.map((i) => ({
    field: formatFieldPath(i.path as PathSegment[]),
    message: i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message,
  }));
  const first = causes[0];
  throw new BadRequestError(
    causes.length === 1 && first
      ? `${first.field ? `${first.field}: ` : ''}${first.message}`
      : `${causes.length} problems in the alert payload; see details.causes`,
    causes,
  );
}

/** Fills fingerprint, status and startsAt the way Alertmanager would have. */
export function normalizeAlerts(payload: WebhookPayload, receivedAt: string): NormalizedAlert[] {
  return payload.alerts.map((a) => {
    const startsAtGiven = !isZeroTime(a.startsAt);
    return {
      fingerprint: a.fingerprint ?? fingerprintOf(a.labels),
      fingerprintComputed: a.fingerprint === undefined,
      status: a.status ?? payload.status ?? 'firing',
      startsAt: startsAtGiven && a.startsAt !== undefined ? a.startsAt : receivedAt,
      startsAtGiven,
      ...(isZeroTime(a.endsAt) ? {} : { endsAt: a.endsAt }),
      labels: a.labels,
      annotations: a.annotations ?? {},
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    };
  });
}
