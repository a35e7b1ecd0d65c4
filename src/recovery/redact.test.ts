import { describe, expect, it } from 'vitest';
import { isSecretField, redact, REDACTED, redactMessage, secretStrings } from './redact.js';

describe('redaction', () => {
  it('blanks values under secret-named keys at any depth, keeping the rest', () => {
    const action = {
      target: { apiVersion: 'v1', resource: 'configmaps', name: 'db' },
      value: {
        'haproxy.cfg': 'server db2 x:27017',
        db: { password: 'hunter2', user: 'app' },
        list: [{ apiKey: 'k' }],
        authToken: '',
      },
    };
    expect(redact(action)).toStrictEqual({
      target: { apiVersion: 'v1', resource: 'configmaps', name: 'db' },
      value: {
        'haproxy.cfg': 'server db2 x:27017',
        db: { password: REDACTED, user: 'app' },
        list: [{ apiKey: REDACTED }],
        authToken: '',
      },
    });
    expect(action.value.db.password).toBe('hunter2');
  });

  it('blanks known secret values wherever they are rendered', () => {
    const secrets = secretStrings({ pw: 's3cr3t-pass', n: 123456 });
    expect(secrets).toStrictEqual(['s3cr3t-pass', '123456']);
    expect(
      redact({ url: 'postgres://app:s3cr3t-pass@db:5432/zoo', port: 123456 }, secrets),
    ).toStrictEqual({
      url: `postgres://app:${REDACTED}@db:5432/zoo`,
      port: REDACTED,
    });
    expect(redactMessage('cluster said: bad value s3cr3t-pass', secrets)).toBe(
      `cluster said: bad value ${REDACTED}`,
    );
  });

  it.each([
    ['v1', 'secrets', 'data', undefined, true],
    ['v1', 'secrets', "data['password']", undefined, true],
    ['v1', 'secrets', 'stringData.x', undefined, true],
    ['v1', 'secrets', 'metadata.labels.app', undefined, false],
    ['v1', 'configmaps', 'data.x', undefined, false],
    ['v1', 'configmaps', 'data.db-password', undefined, true],
    ['v1', 'services', 'status.loadBalancer.ingress[0].hostname', 'Cluster2IP', false],
    ['v1', 'services', 'spec.x', 'AdminToken', true],
    ['example.com/v1', 'secrets', 'spec.x', undefined, false],
  ])('%s %s %s (output %s) secret: %s', (apiVersion, resource, path, outputKey, expected) => {
    expect(isSecretField(apiVersion, resource, path, outputKey)).toBe(expected);
  });
});
