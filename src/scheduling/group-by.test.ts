import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import { collectGroups, groupName, groupValueOf } from './group-by.js';

const obj = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels && { labels }) },
});

describe('groupBy', () => {
  it.each<[KubeObject, string | undefined]>([
    [obj('a', { app: 'web' }), 'web'],
    [obj('b', { app: '' }), ''],
    [obj('c', { other: 'x' }), undefined],
    [obj('d'), undefined],
  ])('%j groups by %j', (o, value) => {
    expect(groupValueOf(o, 'app')).toBe(value);
  });

  it('collects members in first-seen order and leaves ungrouped items out', () => {
    const items = [
      obj('a', { app: 'web' }),
      obj('b', { app: 'api' }),
      obj('c'),
      obj('d', { app: 'web' }),
    ];
    const groups = collectGroups(items, (o) => groupValueOf(o, 'app'));
    expect([...groups].map(([k, v]) => [k, v.map((o) => o.metadata.name)])).toStrictEqual([
      ['web', ['a', 'd']],
      ['api', ['b']],
    ]);
    expect(groupName('app', 'web')).toBe('app=web');
  });
});
