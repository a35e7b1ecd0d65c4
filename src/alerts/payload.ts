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
  // Nearly every body is well-formed: check those in plain JS and hand them back as they
  // are. Anything else goes to zod, which stays the single source of truth for errors.
  return isWellFormedPayload(body) ? body : parseWithZod(body);
}

/** The zod path: what `parseWebhookPayload` does for every body the fast check is unsure of. */
export function parseWithZod(body: unknown): WebhookPayload {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(
      'the body must be a JSON object with an "alerts" list, e.g. {"alerts":[{"labels":{"app":"example-app"}}]}',
    );
  }
  // reportInput: so a wrong type is told apart from a missing field below.
  const res = webhookPayload.safeParse(body, { reportInput: true });
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

// The fast check. It answers true only for bodies `webhookPayload` certainly accepts AND
// whose parse result is deep-equal to the body, so the body itself is returned, uncopied
// (zod copies every object and array, dropping only what this check refuses). When unsure
// it answers false and zod decides, so it never has to say why. On top of the schema's
// rules it refuses:
// - objects that are not plain (a prototype other than Object.prototype or null), alerts
//   that are not a plain array, and objects with symbol keys (a record with one fails in
//   zod; an object's are dropped from zod's result);
// - an own `__proto__` key anywhere (JSON.parse makes them; zod drops them, which can
//   leave labels empty), and any body while Object.prototype has enumerable keys (for...in
//   would see them, zod's records would not);
// - a known key present with the value undefined, or visible to `in` but not to for...in
//   (inherited, or non-enumerable);
// - a fingerprint over 128 UTF-16 units (zod counts code points, never more than units).
// Every property is read once, as zod reads it. Accessors, proxies and extra properties on
// the alerts array are not looked for (no JSON or YAML body has them); the caller gets the
// body itself, so it must not mutate it while it still needs the original.

type Plain = Record<string, unknown>;

const objectProto = Object.prototype;
const arrayProto = Array.prototype;
const { getPrototypeOf, getOwnPropertySymbols } = Object;

/** Alertmanager's "no time", the endsAt of every firing alert: Date.parse reads it, no need to ask. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** An object as JSON.parse makes it: Object.prototype or no prototype, no symbol keys. */
function isPlain(v: unknown): v is Plain {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = getPrototypeOf(v);
  return (proto === objectProto || proto === null) && getOwnPropertySymbols(v).length === 0;
}

/** True while some key of Object.prototype is enumerable (a polluted prototype). */
function prototypeHasEnumerableKeys(): boolean {
  for (const _key in objectProto) return true;
  return false;
}

/** A plain object whose keys (own and enumerable: Object.prototype is clean) all hold strings. */
function isStringMap(v: unknown, nonEmpty: boolean): boolean {
  if (!isPlain(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key === '__proto__' || typeof v[key] !== 'string') return false;
    n++;
  }
  return n > 0 || !nonEmpty;
}

function isStatus(v: unknown): boolean {
  return v === 'firing' || v === 'resolved';
}

function isTimestamp(v: unknown): boolean {
  return typeof v === 'string' && (v === ZERO_TIME || !Number.isNaN(Date.parse(v)));
}

function isFingerprint(v: unknown): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= 128;
}

/**
 * The known keys whose bit is clear in `seen` (for...in did not meet them) are absent: not
 * inherited, not own and non-enumerable. zod would read such a key; leave it to zod.
 */
function unseenAbsent(o: Plain, keys: readonly string[], seen: number): boolean {
  let bit = 1;
  for (const key of keys) {
    if ((seen & bit) === 0 && key in o) return false;
    bit <<= 1;
  }
  return true;
}

const ALERT_KEYS = [
  'labels',
  'status',
  'annotations',
  'startsAt',
  'endsAt',
  'generatorURL',
  'fingerprint',
] as const;
const ALL_ALERT_KEYS = (1 << ALERT_KEYS.length) - 1;

function isAlert(v: unknown): boolean {
  if (!isPlain(v)) return false;
  let seen = 0;
  for (const key in v) {
    const x = v[key];
    switch (key) {
      case 'labels':
        if (!isStringMap(x, true)) return false;
        seen |= 1;
        break;
      case 'status':
        if (!isStatus(x)) return false;
        seen |= 2;
        break;
      case 'annotations':
        if (!isStringMap(x, false)) return false;
        seen |= 4;
        break;
      case 'startsAt':
        if (!isTimestamp(x)) return false;
        seen |= 8;
        break;
      case 'endsAt':
        if (!isTimestamp(x)) return false;
        seen |= 16;
        break;
      case 'generatorURL':
        if (typeof x !== 'string') return false;
        seen |= 32;
        break;
      case 'fingerprint':
        if (!isFingerprint(x)) return false;
        seen |= 64;
        break;
      case '__proto__':
        return false;
      default:
      // Any other key: zod keeps it as it is.
    }
  }
  return (seen & 1) !== 0 && (seen === ALL_ALERT_KEYS || unseenAbsent(v, ALERT_KEYS, seen));
}

function isAlertList(v: unknown): boolean {
  if (!Array.isArray(v) || getPrototypeOf(v) !== arrayProto) return false;
  const n = v.length;
  if (n < 1 || n > MAX_ALERTS_PER_NOTIFICATION) return false;
  // A hole reads as undefined, which is no alert.
  for (let i = 0; i < n; i++) if (!isAlert(v[i])) return false;
  return true;
}

const PAYLOAD_KEYS = [
  'alerts',
  'version',
  'groupKey',
  'truncatedAlerts',
  'status',
  'receiver',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'externalURL',
] as const;
const ALL_PAYLOAD_KEYS = (1 << PAYLOAD_KEYS.length) - 1;

/**
 * The fast check: true only when `webhookPayload.parse(body)` would succeed with a value
 * deep-equal to `body`. False means "ask zod", not "invalid".
 */
export function isWellFormedPayload(body: unknown): body is WebhookPayload {
  if (!isPlain(body) || prototypeHasEnumerableKeys()) return false;
  let seen = 0;
  for (const key in body) {
    const x = body[key];
    switch (key) {
      case 'alerts':
        if (!isAlertList(x)) return false;
        seen |= 1;
        break;
      case 'version':
        if (typeof x !== 'string') return false;
        seen |= 2;
        break;
      case 'groupKey':
        if (typeof x !== 'string') return false;
        seen |= 4;
        break;
      case 'truncatedAlerts':
        if (typeof x !== 'number' || !Number.isFinite(x)) return false;
        seen |= 8;
        break;
      case 'status':
        if (!isStatus(x)) return false;
        seen |= 16;
        break;
      case 'receiver':
        if (typeof x !== 'string') return false;
        seen |= 32;
        break;
      case 'groupLabels':
        if (!isStringMap(x, false)) return false;
        seen |= 64;
        break;
      case 'commonLabels':
        if (!isStringMap(x, false)) return false;
        seen |= 128;
        break;
      case 'commonAnnotations':
        if (!isStringMap(x, false)) return false;
        seen |= 256;
        break;
      case 'externalURL':
        if (typeof x !== 'string') return false;
        seen |= 512;
        break;
      case '__proto__':
        return false;
      default:
      // Any other key: zod keeps it as it is.
    }
  }
  return (seen & 1) !== 0 && (seen === ALL_PAYLOAD_KEYS || unseenAbsent(body, PAYLOAD_KEYS, seen));
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
