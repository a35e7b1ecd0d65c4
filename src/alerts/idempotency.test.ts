import { describe, expect, it } from 'vitest';
import { NAME_PATTERN } from '../resources/common-schemas.js';
import { alertRunName, idempotencyKey, manualRunName, receivedAlertName } from './idempotency.js';

const o = {
  fingerprint: '7c1f2b9e6d0a4c3b',
  startsAt: '2026-11-21T10:15:03.123Z',
  status: 'firing' as const,
};

describe('idempotency key and names', () => {
  it('keys on plan, fingerprint and startsAt; resolved is a separate event', () => {
    expect(idempotencyKey('p', o)).toBe('p|7c1f2b9e6d0a4c3b|2026-11-21T10:15:03.123Z');
    expect(idempotencyKey('p', { ...o, status: 'resolved' })).toBe(
      'p|7c1f2b9e6d0a4c3b|2026-11-21T10:15:03.123Z|resolved',
    );
  });

  it('derives one run name per key', () => {
    const name = alertRunName('psql-primary-failover-plan', o);
    expect(name).toMatch(/^psql-primary-failover-plan-[0-9a-f]{12}$/);
    expect(alertRunName('psql-primary-failover-plan', { ...o })).toBe(name);
    expect(
      alertRunName('psql-primary-failover-plan', { ...o, startsAt: '2026-11-21T10:15:04.000Z' }),
    ).not.toBe(name);
    expect(alertRunName('psql-primary-failover-plan', { ...o, fingerprint: 'x' })).not.toBe(name);
    expect(alertRunName('other-plan', o)).not.toBe(
      name.replace('psql-primary-failover-plan', 'other-plan'),
    );
    expect(alertRunName('psql-primary-failover-plan', { ...o, status: 'resolved' })).not.toBe(name);
  });

  it.each([
    ['a', 'short'],
    [`${'a'.repeat(199)}.b${'c'.repeat(52)}`, 'a 253-character name with a dot at the cut'],
    [`${'a'.repeat(199)}-${'c'.repeat(53)}`, 'a 253-character name with a hyphen at the cut'],
  ])('keeps names valid and short enough for plan %#: %s', (plan) => {
    for (const name of [
      alertRunName(plan, o),
      manualRunName(plan, new Date('2026-11-21T10:15:03.123Z'), 'a1b2c3'),
    ]) {
      expect(name).toMatch(NAME_PATTERN);
      expect(name.length).toBeLessThanOrEqual(253);
    }
  });

  it('names manual runs and deliveries readably', () => {
    expect(manualRunName('p', new Date('2026-11-21T10:15:03.123Z'), 'a1b2c3')).toBe(
      'p-manual-20261121-101503-a1b2c3',
    );
    expect(receivedAlertName('7C1F2B9E6D0A4C3B', 1763720103123, 'ab12cd')).toBe(
      '7c1f2b9e6d0a4c3b-1763720103123-ab12cd',
    );
    expect(receivedAlertName('??', 1, 'x')).toBe('alert-1-x');
  });
});
