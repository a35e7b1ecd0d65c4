import { describe, expect, it } from 'vitest';
import {
  FieldPathError,
  formatFieldPath,
  getAtPath,
  mergePatchFor,
  parseFieldPath,
  setAtPath,
} from './field-path.js';

describe('parseFieldPath', () => {
  it.each([
    ['spec.standby.enabled', ['spec', 'standby', 'enabled']],
    [
      'spec.template.spec.containers[0].env[0].value',
      ['spec', 'template', 'spec', 'containers', 0, 'env', 0, 'value'],
    ],
    [
      "metadata.labels['topology.istio.io/network']",
      ['metadata', 'labels', 'topology.istio.io/network'],
    ],
    ['metadata.labels["a.b"]', ['metadata', 'labels', 'a.b']],
    [
      'status.loadBalancer.ingress[0].hostname',
      ['status', 'loadBalancer', 'ingress', 0, 'hostname'],
    ],
    ['data', ['data']],
    ["data['haproxy.cfg']", ['data', 'haproxy.cfg']],
  ])('%s', (text, expected) => {
    expect(parseFieldPath(text)).toStrictEqual(expected);
    expect(parseFieldPath(formatFieldPath(expected))).toStrictEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['spec..x', 'expected a field name'],
    ['.spec', 'cannot start'],
    ['spec.', 'cannot start or end'],
    ['a[x]', 'whole number'],
    ['a[0', 'missing ]'],
    ["a['b]", 'missing closing'],
    ['a b', 'unexpected character'],
    ['spec.__proto__.x', 'not allowed'],
    ["metadata['constructor']", 'not allowed'],
  ])('rejects %j', (text, fragment) => {
    expect(() => parseFieldPath(text)).toThrow(FieldPathError);
    expect(() => parseFieldPath(text)).toThrow(fragment);
  });
});

describe('getAtPath / setAtPath', () => {
  it('reads nested values and misses cleanly', () => {
    const obj = { status: { loadBalancer: { ingress: [{ hostname: 'h2' }] } } };
    expect(getAtPath(obj, parseFieldPath('status.loadBalancer.ingress[0].hostname'))).toBe('h2');
    expect(
      getAtPath(obj, parseFieldPath('status.loadBalancer.ingress[1].hostname')),
    ).toBeUndefined();
    expect(getAtPath(obj, parseFieldPath('status.x.y'))).toBeUndefined();
    expect(getAtPath({}, ['toString'])).toBeUndefined();
  });

  it('creates missing maps and lists on the way', () => {
    const obj: Record<string, unknown> = {};
    setAtPath(obj, parseFieldPath('spec.template.spec.containers[0].env[0].value'), 'postgres://x');
    expect(obj).toStrictEqual({
      spec: { template: { spec: { containers: [{ env: [{ value: 'postgres://x' }] }] } } },
    });
  });

  it('refuses to walk through a scalar', () => {
    expect(() => setAtPath({ spec: 'x' }, ['spec', 'a'], 1)).toThrow('spec is not a map');
  });
});

describe('mergePatchFor', () => {
  it('builds a nested merge patch', () => {
    expect(mergePatchFor(parseFieldPath('spec.standby.enabled'), true)).toStrictEqual({
      spec: { standby: { enabled: true } },
    });
  });
  it('gives up on indexes', () => {
    expect(mergePatchFor(parseFieldPath('a[0].b'), 1)).toBeUndefined();
  });
});
