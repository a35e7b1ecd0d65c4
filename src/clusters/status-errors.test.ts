import { describe, expect, it } from 'vitest';
import { MemberClusterError } from './member-clusters.js';
import { errorFromFailure, errorFromResponse, isTransient, parseStatus } from './status-errors.js';

describe('errorFromResponse', () => {
  it('reads a Kubernetes Status once: code, reason, message and field causes', () => {
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'Service "x" is invalid',
      details: { causes: [{ field: 'spec.ports[0].port', message: 'Invalid value: 70000' }] },
    });
    const err = errorFromResponse('cluster-2', 422, body, 'apply Service ns/x');
    expect(err).toBeInstanceOf(MemberClusterError);
    expect({
      cluster: err.cluster,
      code: err.code,
      reason: err.reason,
      message: err.message,
    }).toStrictEqual({
      cluster: 'cluster-2',
      code: 422,
      reason: 'Invalid',
      message:
        'cluster cluster-2: apply Service ns/x: 422 Invalid: Service "x" is invalid (spec.ports[0].port: Invalid value: 70000)',
    });
  });

  it('does not repeat causes the message already holds', () => {
    const body = {
      kind: 'Status',
      reason: 'Invalid',
      message: 'bad: Invalid value: 1',
      details: { causes: [{ field: 'a', message: 'Invalid value: 1' }] },
    };
    expect(errorFromResponse('c', 422, body, 'x').message).toBe(
      'cluster c: x: 422 Invalid: bad: Invalid value: 1',
    );
  });

  it('falls back to the code and a short excerpt when the body is not a Status', () => {
    const err = errorFromResponse('c', 503, 'upstream connect error '.repeat(20), 'GET /readyz');
    expect(err.reason).toBe('ServiceUnavailable');
    expect(err.message.length).toBeLessThan(260);
    expect(errorFromResponse('c', 418, '', 'x').message).toBe(
      'cluster c: x: 418 Unknown: HTTP 418',
    );
  });

  it('parseStatus accepts only Status objects', () => {
    expect(parseStatus('{"kind":"Status","code":404}')).toStrictEqual({
      kind: 'Status',
      code: 404,
    });
    expect(parseStatus('{"kind":"ConfigMap"}')).toBeUndefined();
    expect(parseStatus('not json')).toBeUndefined();
  });
});

describe('errorFromFailure', () => {
  it('turns network errors into code 0 Unreachable, with the cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const err = errorFromFailure('cluster-1', refused, 'GET /readyz');
    expect([err.code, err.reason, err.message]).toStrictEqual([
      0,
      'Unreachable',
      'cluster cluster-1: GET /readyz: no answer (connect ECONNREFUSED 127.0.0.1:1)',
    ]);
  });

  it('names untrusted certificates as TLSError with the fix', () => {
    const tls = Object.assign(new Error('self-signed certificate'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const err = errorFromFailure('c', tls, 'GET /readyz');
    expect(err.reason).toBe('TLSError');
    expect(err.message).toContain('certificate-authority-data');
  });

  it('passes MemberClusterErrors through', () => {
    const e = new MemberClusterError('c', 404, 'KindNotFound', 'x');
    expect(errorFromFailure('c', e, 'y')).toBe(e);
  });
});

describe('isTransient', () => {
  it.each([
    [0, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [404, false],
    [409, false],
    [422, false],
  ])('code %i → %s', (code, transient) => {
    expect(isTransient(new MemberClusterError('c', code, 'r', 'm'))).toBe(transient);
  });
});
