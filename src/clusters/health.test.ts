import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  nextCondition,
  nextProbeDelay,
  sameCondition,
  unknownCondition,
} from './health.js';

const t0 = new Date('2030-01-01T00:00:00.000Z');
const t1 = new Date('2030-01-01T00:01:00.000Z');

describe('nextCondition', () => {
  it('sets lastTransitionTime on the first observation', () => {
    expect(
      nextCondition(undefined, { ready: true, reason: 'Reachable', message: 'ok' }, t0),
    ).toStrictEqual({
      type: 'Ready',
      status: 'True',
      reason: 'Reachable',
      message: 'ok',
      lastTransitionTime: t0.toISOString(),
    });
  });

  it('keeps lastTransitionTime while the status holds, even when reason and message change', () => {
    const down = nextCondition(
      undefined,
      { ready: false, reason: 'Unreachable', message: 'refused' },
      t0,
    );
    const still = nextCondition(
      down,
      { ready: false, reason: 'TLSError', message: 'bad cert' },
      t1,
    );
    expect(still).toStrictEqual({
      type: 'Ready',
      status: 'False',
      reason: 'TLSError',
      message: 'bad cert',
      lastTransitionTime: t0.toISOString(),
    });
  });

  it('moves lastTransitionTime on every status change, Unknown included', () => {
    const unknown = unknownCondition(t0);
    expect(unknown.status).toBe('Unknown');
    const up = nextCondition(unknown, { ready: true, reason: 'Reachable', message: 'ok' }, t1);
    expect(up.lastTransitionTime).toBe(t1.toISOString());
    const down = nextCondition(up, { ready: false, reason: 'Unreachable', message: 'x' }, t0);
    expect(down.lastTransitionTime).toBe(t0.toISOString());
  });

  it('sameCondition compares every field', () => {
    const a = nextCondition(undefined, { ready: true, reason: 'Reachable', message: 'ok' }, t0);
    expect(sameCondition(a, { ...a })).toBe(true);
    expect(sameCondition(a, { ...a, message: 'other' })).toBe(false);
    expect(sameCondition(undefined, a)).toBe(false);
  });
});

describe('backoff', () => {
  it.each([
    [0, 0],
    [1, 250],
    [2, 500],
    [3, 1000],
    [5, 4000],
    [6, 5000],
    [60, 5000],
  ])('after %i failures waits %i ms (250 ms doubling, capped at 5 s)', (failures, ms) => {
    expect(backoffMs(failures, 250, 5000)).toBe(ms);
  });

  it('probes Ready clusters at the interval and unready ones with backoff', () => {
    const timing = { intervalMs: 5000, minBackoffMs: 250, maxBackoffMs: 5000 };
    expect(nextProbeDelay(true, 0, timing)).toBe(5000);
    expect(nextProbeDelay(false, 0, timing)).toBe(250);
    expect(nextProbeDelay(false, 3, timing)).toBe(1000);
  });
});
