import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import {
  isWellFormedPayload,
  MAX_ALERTS_PER_NOTIFICATION,
  normalizeAlerts,
  parseWebhookPayload,
  parseWithZod,
  webhookPayload,
} from './payload.js';

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

/** What a parse ends in, comparable with toStrictEqual: the value, or the error's class, message and causes. */
function outcome(parse: (body: unknown) => unknown, body: unknown): unknown {
  try {
    return { value: parse(body) };
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    return { error: err.name, message: err.message, causes: err.causes };
  }
}

/** An own, enumerable `__proto__` key, as JSON.parse makes one. */
function withProtoKey<T extends object>(o: T, value: unknown): T {
  Object.defineProperty(o, '__proto__', {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return o;
}

const alertOk = { labels: { app: 'example-app' } };

describe('the fast path for well-formed bodies', () => {
  const nullProto = (entries: Record<string, unknown>): Record<string, unknown> =>
    Object.assign(Object.create(null) as Record<string, unknown>, entries);

  const valid: [string, unknown][] = [
    ['the Alertmanager v4 payload', v4],
    ['the Alertmanager v4 payload, as JSON.parse makes it', JSON.parse(JSON.stringify(v4))],
    ['a minimal curl body', { alerts: [{ labels: { app: 'example-app' } }] }],
    [
      'a resolved notification',
      {
        ...v4,
        status: 'resolved',
        alerts: [{ ...v4.alerts[0], status: 'resolved', endsAt: '2026-11-21T10:25:00Z' }],
      },
    ],
    [
      'several alerts',
      {
        ...v4,
        truncatedAlerts: 2,
        alerts: [
          v4.alerts[0],
          { labels: { app: 'b' }, status: 'resolved', startsAt: '2026-11-21T10:15:03+02:00' },
          { labels: { app: 'c' }, annotations: {}, fingerprint: 'f'.repeat(128) },
        ],
      },
    ],
    [
      'unknown keys at both levels',
      {
        ...v4,
        notification_reason: 'new_alerts',
        routeLabels: { team: 'db' },
        nothing: null,
        nested: { deep: [1, { x: true }] },
        alerts: [{ ...v4.alerts[0], silencedBy: [], inhibitedBy: null, values: { A: 1.5 } }],
      },
    ],
    ['an unknown key holding undefined', { alerts: [{ ...alertOk, extra: undefined }] }],
    [
      'unicode labels and annotations',
      {
        commonLabels: { 'ünïcødé/キー': '値 ✓' },
        alerts: [
          {
            labels: { 'ünïcødé/キー': '値 ✓', emoji: '🚨🔥', empty: '', rtl: 'שלום' },
            annotations: { summary: 'Ωμέγα — naïve café' },
            fingerprint: '😀'.repeat(64),
          },
        ],
      },
    ],
    ['labels keyed like numbers', { alerts: [{ labels: { '1': 'a', '0': 'b', z: 'c' } }] }],
    [
      'labels named like Object.prototype members',
      { alerts: [{ labels: { constructor: 'x', toString: 'y', hasOwnProperty: 'z' } }] },
    ],
    ['an empty annotations map', { alerts: [{ ...alertOk, annotations: {} }] }],
    [
      'odd but finite truncatedAlerts',
      { truncatedAlerts: -0.5, alerts: [alertOk], groupLabels: {}, commonLabels: {} },
    ],
    [
      'exactly the most alerts allowed',
      {
        alerts: Array.from({ length: MAX_ALERTS_PER_NOTIFICATION }, (_, i) => ({
          labels: { i: String(i) },
        })),
      },
    ],
  ];

  it.each(valid)('returns %s as it is, deep-equal to what zod makes of it', (_label, body) => {
    expect(isWellFormedPayload(body)).toBe(true);
    const parsed = parseWebhookPayload(body);
    expect(parsed).toBe(body);
    expect(parsed).toStrictEqual(webhookPayload.parse(body));
  });

  it('takes plain objects without a prototype too', () => {
    const body = nullProto({ alerts: [nullProto({ labels: nullProto({ app: 'x' }) })] });
    expect(isWellFormedPayload(body)).toBe(true);
    // Equal in content; zod's copies have Object.prototype, so not toStrictEqual.
    expect(parseWebhookPayload(body)).toEqual(webhookPayload.parse(body));
  });

  const holey = new Array<unknown>(3);
  holey[0] = alertOk;
  holey[2] = alertOk;
  const tooMany = {
    alerts: Array.from({ length: MAX_ALERTS_PER_NOTIFICATION + 1 }, () => alertOk),
  };
  const invalid: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['an array', [v4]],
    ['a string', '{"alerts":[]}'],
    ['a number', 4],
    ['a version that is a number', { ...v4, version: 4 }],
    ['a groupKey that is null', { ...v4, groupKey: null }],
    ['truncatedAlerts as a string', { ...v4, truncatedAlerts: '0' }],
    ['truncatedAlerts NaN', { ...v4, truncatedAlerts: NaN }],
    ['truncatedAlerts Infinity', { ...v4, truncatedAlerts: Infinity }],
    ['an unknown notification status', { ...v4, status: 'pending' }],
    ['a notification status of null', { ...v4, status: null }],
    ['a receiver that is a number', { ...v4, receiver: 1 }],
    ['groupLabels that are a string', { ...v4, groupLabels: 'alertname=x' }],
    ['groupLabels that are an array', { ...v4, groupLabels: ['alertname'] }],
    ['groupLabels that are null', { ...v4, groupLabels: null }],
    ['commonLabels with a null value', { ...v4, commonLabels: { a: null } }],
    ['commonAnnotations with an object value', { ...v4, commonAnnotations: { a: {} } }],
    ['an externalURL that is a boolean', { ...v4, externalURL: false }],
    ['no alerts key', { ...v4, alerts: undefined }],
    ['alerts: null', { alerts: null }],
    ['an empty alerts list', { alerts: [] }],
    ['alerts that are an object', { alerts: { labels: { a: 'b' } } }],
    ['alerts that are a string', { alerts: 'firing' }],
    ['one alert over the limit', tooMany],
    ['an alert that is null', { alerts: [null] }],
    ['an alert that is an array', { alerts: [[alertOk]] }],
    ['an alert that is a string', { alerts: ['app=x'] }],
    ['a hole in the alerts list', { alerts: holey }],
    ['an alert without labels', { alerts: [{ status: 'firing' }] }],
    ['an alert with empty labels', { alerts: [{ labels: {} }] }],
    ['labels that are null', { alerts: [{ labels: null }] }],
    ['labels that are an array', { alerts: [{ labels: ['app'] }] }],
    ['labels that are a string', { alerts: [{ labels: 'app=x' }] }],
    ['a numeric label value', { alerts: [{ labels: { severity: 1 } }] }],
    ['a null label value', { alerts: [{ labels: { app: 'x', severity: null } }] }],
    ['a boolean label value', { alerts: [{ labels: { page: true } }] }],
    ['an object label value', { alerts: [{ labels: { app: { name: 'x' } } }] }],
    ['a String object label value', { alerts: [{ labels: { app: new String('x') } }] }],
    ['an unknown alert status', { alerts: [{ ...alertOk, status: 'pending' }] }],
    ['an alert status that is a number', { alerts: [{ ...alertOk, status: 1 }] }],
    ['annotations with a number', { alerts: [{ ...alertOk, annotations: { a: 1 } }] }],
    ['annotations that are an array', { alerts: [{ ...alertOk, annotations: [] }] }],
    ['a startsAt that is not a time', { alerts: [{ ...alertOk, startsAt: 'yesterday' }] }],
    ['an empty startsAt', { alerts: [{ ...alertOk, startsAt: '' }] }],
    ['a startsAt that is a number', { alerts: [{ ...alertOk, startsAt: 0 }] }],
    ['an endsAt that is not a time', { alerts: [{ ...alertOk, endsAt: 'never' }] }],
    ['a generatorURL that is a number', { alerts: [{ ...alertOk, generatorURL: 1 }] }],
    ['an empty fingerprint', { alerts: [{ ...alertOk, fingerprint: '' }] }],
    ['a fingerprint too long', { alerts: [{ ...alertOk, fingerprint: 'f'.repeat(129) }] }],
    ['a fingerprint that is a number', { alerts: [{ ...alertOk, fingerprint: 7 }] }],
    [
      'labels whose only key is __proto__',
      JSON.parse('{"alerts":[{"labels":{"__proto__":"x"}}]}') as unknown,
    ],
    ['several problems at once', { status: 'pending', alerts: [{ labels: {} }, null] }],
  ];

  it.each(invalid)('leaves %s to zod, with the same 400 as before', (_label, body) => {
    expect(isWellFormedPayload(body)).toBe(false);
    const err = fail(body);
    expect(err.message).not.toBe('');
    expect(outcome(parseWebhookPayload, body)).toStrictEqual(outcome(parseWithZod, body));
  });

  it('keeps the messages clients see', () => {
    expect(fail(null).message).toBe(
      'the body must be a JSON object with an "alerts" list, e.g. {"alerts":[{"labels":{"app":"example-app"}}]}',
    );
    expect(fail({ alerts: [] }).message).toBe('alerts: alerts is empty; send at least one alert');
    expect(fail(tooMany).message).toBe(
      `alerts: at most ${MAX_ALERTS_PER_NOTIFICATION} alerts per request`,
    );
    expect(fail({ alerts: [{ labels: {} }] }).message).toBe(
      'alerts[0].labels: an alert needs at least one label',
    );
    expect(fail({ alerts: [{ ...alertOk, status: 'pending' }] }).message).toBe(
      'alerts[0].status: status "pending" is not firing or resolved',
    );
    expect(fail({ alerts: [{ ...alertOk, startsAt: 'yesterday' }] }).message).toBe(
      'alerts[0].startsAt: must be an RFC 3339 time, e.g. 2026-11-21T10:15:03.123Z',
    );
    expect(fail({ receiver: 'x' }).message).toBe('alerts: is required');
  });

  it('tells a field of the wrong type from a missing one', () => {
    expect(fail({ alerts: [{ labels: { app: 1 } }] }).message).toBe(
      'alerts[0].labels.app: labels values must be strings; got number',
    );
    expect(fail({ alerts: 'firing' }).message).toMatch(/^alerts: alerts must be a list/);
    expect(fail({ alerts: [{ ...alertOk, startsAt: 5 }] }).message).toMatch(
      /^alerts\[0\]\.startsAt: .*expected string, received number/,
    );
    expect(fail({ alerts: [{}] }).message).toBe('alerts[0].labels: is required');
  });

  // zod accepts these, but the fast check cannot be sure its result would equal the body.
  const symbolKeyed = { ...alertOk, [Symbol('s')]: 'x' };
  const hiddenStatus = Object.defineProperty({ labels: { a: 'b' } }, 'status', {
    value: 'resolved',
    enumerable: false,
  });
  class Notification {
    alerts = [alertOk];
  }
  class AlertList extends Array<unknown> {}
  const uncertain: [string, unknown][] = [
    [
      'a __proto__ key beside other labels',
      JSON.parse('{"alerts":[{"labels":{"__proto__":"x","app":"y"}}]}') as unknown,
    ],
    [
      'a __proto__ key in the notification',
      JSON.parse('{"__proto__":{"polluted":"yes"},"alerts":[{"labels":{"a":"b"}}]}') as unknown,
    ],
    ['a __proto__ key in an alert', { alerts: [withProtoKey({ ...alertOk }, { x: 1 })] }],
    ['an optional key present as undefined', { alerts: [{ ...alertOk, status: undefined }] }],
    ['a notification key present as undefined', { receiver: undefined, alerts: [alertOk] }],
    [
      'a fingerprint of 128 code points but 256 UTF-16 units',
      { alerts: [{ ...alertOk, fingerprint: '😀'.repeat(128) }] },
    ],
    ['an alert with a symbol key', { alerts: [symbolKeyed] }],
    ['a non-enumerable known key', { alerts: [hiddenStatus] }],
    ['a class instance as the notification', new Notification()],
    ['an inherited alerts list', Object.create({ alerts: [alertOk] }) as unknown],
    ['an Array subclass as the alerts list', { alerts: AlertList.from([alertOk]) }],
  ];

  it.each(uncertain)('leaves %s to zod, which decides as before', (_label, body) => {
    expect(isWellFormedPayload(body)).toBe(false);
    expect(outcome(parseWebhookPayload, body)).toStrictEqual(outcome(parseWithZod, body));
  });

  it('refuses what zod refuses even where a shallow look would pass', () => {
    // zod's record never sees a symbol key as a string key; it rejects it.
    const labels = { app: 'x', [Symbol('s')]: 'y' };
    expect(isWellFormedPayload({ alerts: [{ labels }] })).toBe(false);
    expect(webhookPayload.safeParse({ alerts: [{ labels }] }).success).toBe(false);
    // A __proto__ key is dropped by zod, so these labels are empty there.
    const protoOnly = withProtoKey({}, 'x');
    expect(isWellFormedPayload({ alerts: [{ labels: protoOnly }] })).toBe(false);
    expect(webhookPayload.safeParse({ alerts: [{ labels: protoOnly }] }).success).toBe(false);
  });

  it('pollutes no prototype and steps aside while Object.prototype is polluted', () => {
    const body = JSON.parse(
      '{"alerts":[{"labels":{"__proto__":{"polluted":"yes"},"a":"b"},"__proto__":{"polluted":"yes"}}]}',
    ) as unknown;
    parseWebhookPayload(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'yes';
    try {
      // for...in would see `polluted` in every map; zod's records do not.
      expect(isWellFormedPayload({ alerts: [{ labels: {} }] })).toBe(false);
      expect(isWellFormedPayload({ alerts: [alertOk] })).toBe(false);
    } finally {
      delete proto.polluted;
    }
    expect(isWellFormedPayload({ alerts: [alertOk] })).toBe(true);
  });
});

describe('the fast check against zod, on random mutations', () => {
  /** mulberry32: a small seeded generator, so a failure replays. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const KEYS = [
    ...Object.keys(v4),
    ...Object.keys(v4.alerts[0]!),
    'app',
    'x',
    '',
    '0',
    'ключ',
    '__proto__',
    'constructor',
    'toString',
  ];
  const SCALARS: unknown[] = [
    null,
    true,
    false,
    0,
    -0,
    1,
    -1,
    1.5,
    1e308,
    NaN,
    Infinity,
    undefined,
    '',
    'x',
    'firing',
    'resolved',
    'pending',
    '4',
    '2026-11-21T10:15:03.123Z',
    '2026-11-21T10:15:03+02:00',
    '0001-01-01T00:00:00Z',
    '2026-13-45T99:00:00Z',
    'yesterday',
    'Fri, 21 Nov 2026 10:15:03 GMT',
    'f'.repeat(128),
    'f'.repeat(129),
    '😀'.repeat(64),
    '😀'.repeat(65),
    '\ud800',
    'ünïcødé ✓',
  ];

  function generator(rand: () => number) {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth <= 0 || r < 0.55) return pick(SCALARS);
      if (r < 0.65) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth - 1));
      if (r < 0.75) return { labels: { app: pick(['x', 'y', '']) } };
      const o: Record<string, unknown> = {};
      const n = Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) {
        const k = pick(KEYS);
        const v = rand() < 0.6 ? pick(['a', 'b', '', 'ü']) : value(depth - 1);
        if (k === '__proto__') withProtoKey(o, v);
        else o[k] = v;
      }
      return o;
    };
    /** Every object and array in the body. */
    const containers = (root: unknown): object[] => {
      const out: object[] = [];
      const walk = (v: unknown): void => {
        if (typeof v !== 'object' || v === null || out.includes(v)) return;
        out.push(v);
        for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
      };
      walk(root);
      return out;
    };
    const mutate = (body: unknown): unknown => {
      if (rand() < 0.02) return value(2); // the whole body replaced
      const all = containers(body);
      if (all.length === 0) return value(2); // a scalar body: start over with another value
      const c = pick(all) as Record<string, unknown> | unknown[];
      const keys = Object.keys(c);
      const r = rand();
      if (Array.isArray(c)) {
        if (r < 0.25 && c.length > 0) c.splice(Math.floor(rand() * c.length), 1);
        else if (r < 0.5 && c.length > 0) c.push(structuredClone(pick(c)));
        else if (r < 0.55) c.length = 0;
        else if (c.length > 0) c[Math.floor(rand() * c.length)] = value(2);
        else c.push(value(2));
      } else if (r < 0.3 && keys.length > 0) {
        Reflect.deleteProperty(c, pick(keys));
      } else if (r < 0.7 && keys.length > 0) {
        c[pick(keys)] = value(2);
      } else {
        const k = pick(KEYS);
        if (k === '__proto__') withProtoKey(c, value(1));
        else c[k] = value(2);
      }
      return body;
    };
    return { mutate, pick };
  }

  const seeds: unknown[] = [
    v4,
    { alerts: [{ labels: { app: 'example-app' } }] },
    {
      status: 'resolved',
      alerts: [
        { labels: { a: 'b' }, startsAt: '0001-01-01T00:00:00Z' },
        { labels: { c: 'd' }, annotations: { s: 't' }, fingerprint: 'abc' },
      ],
    },
  ];

  it('whenever the fast check accepts, zod accepts with a deep-equal result', () => {
    const rand = rng(0x1bf5);
    const { mutate, pick } = generator(rand);
    let fast = 0;
    let zodOnly = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      let body = structuredClone(pick(seeds));
      const rounds = 1 + Math.floor(rand() * 3);
      for (let m = 0; m < rounds; m++) body = mutate(body);
      const zod = webhookPayload.safeParse(body);
      if (isWellFormedPayload(body)) {
        fast++;
        expect(zod.success, `case ${i}: zod refused a body the fast check accepted`).toBe(true);
        expect(body, `case ${i}`).toStrictEqual(zod.data);
        expect(parseWebhookPayload(body)).toBe(body);
      } else {
        if (zod.success) zodOnly++;
        else rejected++;
        expect(outcome(parseWebhookPayload, body), `case ${i}`).toStrictEqual(
          outcome(parseWithZod, body),
        );
      }
    }
    // The mutations reach all three outcomes often enough to mean something.
    expect(fast).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
    expect(zodOnly).toBeGreaterThan(10);
  });
});
