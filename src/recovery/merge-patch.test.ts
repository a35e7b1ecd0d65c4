import { describe, expect, it } from 'vitest';
import { parseFieldPath } from '../resources/field-path.js';
import { applyMergePatch, applyOverride, jsonPointer, memberPatchDocument } from './merge-patch.js';

const MERGE = 'application/merge-patch+json' as const;
const JSON_PATCH = 'application/json-patch+json' as const;

describe('merge patch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toStrictEqual(expected);
  });

  it('refuses prototype keys', () => {
    expect(() => applyMergePatch({}, JSON.parse('{"__proto__": {"x": 1}}'))).toThrow('not allowed');
  });
});

describe('overrides', () => {
  const cm = () => ({
    data: { 'haproxy.cfg': 'old', keep: 'me' },
    spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] },
  });

  it("merges a map at the path, as Nova's merge patch of `data` does", () => {
    expect(
      applyOverride(cm(), parseFieldPath('data'), { 'haproxy.cfg': 'new' }, MERGE),
    ).toStrictEqual({
      ...cm(),
      data: { 'haproxy.cfg': 'new', keep: 'me' },
    });
  });

  it('replaces the map with json-patch', () => {
    expect(
      applyOverride(cm(), parseFieldPath('data'), { 'haproxy.cfg': 'new' }, JSON_PATCH).data,
    ).toStrictEqual({ 'haproxy.cfg': 'new' });
  });

  it('sets through list indexes and creates missing fields', () => {
    const out = applyOverride(
      cm(),
      parseFieldPath('spec.containers[0].env[0].value'),
      'postgres://x',
      MERGE,
    );
    expect(out.spec).toStrictEqual({
      containers: [{ name: 'a', env: [{ name: 'X', value: 'postgres://x' }] }],
    });
    expect(applyOverride({}, parseFieldPath('spec.standby.enabled'), true, MERGE)).toStrictEqual({
      spec: { standby: { enabled: true } },
    });
  });

  it('deletes with null', () => {
    expect(applyOverride(cm(), parseFieldPath('data.keep'), null, MERGE).data).toStrictEqual({
      'haproxy.cfg': 'old',
    });
    expect(
      applyOverride(cm(), parseFieldPath('spec.containers[0].name'), null, MERGE).spec,
    ).toStrictEqual({ containers: [{ env: [{ name: 'X', value: '1' }] }] });
  });
});

describe('member patch documents', () => {
  it('builds a merge patch from the path', () => {
    expect(memberPatchDocument(parseFieldPath('spec.standby.enabled'), false, MERGE)).toStrictEqual(
      { spec: { standby: { enabled: false } } },
    );
    expect(
      memberPatchDocument(
        parseFieldPath("metadata.labels['topology.istio.io/network']"),
        'west',
        MERGE,
      ),
    ).toStrictEqual({
      metadata: { labels: { 'topology.istio.io/network': 'west' } },
    });
  });

  it('sends the whole changed list when the path has an index', () => {
    const live = { spec: { ports: [{ port: 1 }, { port: 2 }] } };
    expect(memberPatchDocument(parseFieldPath('spec.ports[1].port'), 3, MERGE, live)).toStrictEqual(
      { spec: { ports: [{ port: 1 }, { port: 3 }] } },
    );
    expect(() => memberPatchDocument(parseFieldPath('spec.ports[1].port'), 3, MERGE)).toThrow(
      'live object',
    );
  });

  it('builds a JSON patch with escaped pointers', () => {
    expect(jsonPointer(parseFieldPath("metadata.labels['a/b~c']"))).toBe(
      '/metadata/labels/a~1b~0c',
    );
    expect(
      memberPatchDocument(parseFieldPath('spec.standby.enabled'), true, JSON_PATCH),
    ).toStrictEqual([{ op: 'add', path: '/spec/standby/enabled', value: true }]);
    expect(
      memberPatchDocument(parseFieldPath('spec.ports[0]'), { port: 1 }, JSON_PATCH),
    ).toStrictEqual([{ op: 'replace', path: '/spec/ports/0', value: { port: 1 } }]);
  });
});
