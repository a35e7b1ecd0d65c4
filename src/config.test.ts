import { describe, expect, it } from 'vitest';
import { InvalidError } from './errors.js';
import { loadServeConfig, parseDurationSeconds } from './config.js';

describe('ReceivedAlert retention settings', () => {
  it.each([
    ['7d', 604_800],
    ['12h', 43_200],
    ['30m', 1800],
    ['90s', 90],
    ['3600', 3600],
    ['0', 0],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it('defaults to 7 days and 10,000 alerts; flags beat variables', () => {
    expect(loadServeConfig({}, {})).toMatchObject({
      alertMaxAgeSeconds: 604_800,
      alertMaxCount: 10_000,
    });
    const env = { LIFEBOAT_ALERT_MAX_AGE: '2h', LIFEBOAT_ALERT_MAX_COUNT: '50' };
    expect(loadServeConfig({}, env)).toMatchObject({ alertMaxAgeSeconds: 7200, alertMaxCount: 50 });
    expect(loadServeConfig({ alertMaxAge: '1d', alertMaxCount: '0' }, env)).toMatchObject({
      alertMaxAgeSeconds: 86_400,
      alertMaxCount: 0,
    });
  });

  it('names the flag when a value does not parse', () => {
    expect(() => loadServeConfig({ alertMaxAge: 'a week' }, {})).toThrow(InvalidError);
    expect(() => loadServeConfig({ alertMaxAge: 'a week' }, {})).toThrow(/--alert-max-age/);
    expect(() => loadServeConfig({ alertMaxCount: '-1' }, {})).toThrow(/--alert-max-count/);
  });
});
