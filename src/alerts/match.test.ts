import { describe, expect, it } from 'vitest';
import { labelsMatch, matchPlans } from './match.js';

const alert = { alertname: 'PostgresPrimaryDown', app: 'example-app', cluster: 'cluster-1' };

describe('plan matching', () => {
  it.each([
    [{ app: 'example-app' }, true],
    [{ app: 'example-app', cluster: 'cluster-1' }, true],
    [{ app: 'example-app', cluster: 'cluster-2' }, false],
    [{ app: 'other' }, false],
    [{ missing: 'x' }, false],
    [{ app: '' }, false],
    [{}, false],
    [undefined, false],
  ])('alertLabels %j → %s', (alertLabels, expected) => {
    expect(labelsMatch(alertLabels, alert)).toBe(expected);
  });

  it('never reads inherited properties', () => {
    expect(labelsMatch({ toString: 'x' }, {})).toBe(false);
  });

  it('runs firing matches and records resolved ones unless the plan opts in', () => {
    const plans = [
      { name: 'b-failover', alertLabels: { app: 'example-app' } },
      { name: 'a-failback', alertLabels: { app: 'example-app' }, runOnResolved: true },
      { name: 'unrelated', alertLabels: { app: 'x' } },
      { name: 'manual-only' },
    ];
    expect(matchPlans(plans, { labels: alert, status: 'firing' })).toStrictEqual([
      { plan: 'a-failback', action: 'run' },
      { plan: 'b-failover', action: 'run' },
    ]);
    expect(matchPlans(plans, { labels: alert, status: 'resolved' })).toStrictEqual([
      { plan: 'a-failback', action: 'run' },
      { plan: 'b-failover', action: 'record' },
    ]);
  });
});
