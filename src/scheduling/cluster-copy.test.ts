import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import { ClusterCopy } from './cluster-copy.js';

const source = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 10, template: { spec: { containers: [{ name: 'c' }] } } },
});

describe('ClusterCopy', () => {
  it('renders a deep copy on first read and keeps it', () => {
    const src = Object.freeze(source());
    const copy = ClusterCopy.lazy('cluster-1', 7, src);
    const m = copy.manifest;
    expect(m).not.toBe(src);
    expect(copy.manifest).toBe(m);
    expect(m).toStrictEqual({
      ...source(),
      spec: { replicas: 7, template: { spec: { containers: [{ name: 'c' }] } } },
    });
    expect((src.spec as { replicas: number }).replicas).toBe(10);
  });

  it('keeps replicas off copies that have none', () => {
    const copy = ClusterCopy.lazy('cluster-1', undefined, source());
    expect(Object.keys(copy)).toStrictEqual(['cluster']);
    expect(copy.manifest).toStrictEqual(source());
  });

  it('serializes with its manifest', () => {
    expect(JSON.parse(JSON.stringify(ClusterCopy.lazy('c', 3, source())))).toStrictEqual({
      cluster: 'c',
      replicas: 3,
      manifest: {
        ...source(),
        spec: { replicas: 3, template: { spec: { containers: [{ name: 'c' }] } } },
      },
    });
    const ready = source();
    expect(ClusterCopy.rendered('c', undefined, ready).toJSON()).toStrictEqual({
      cluster: 'c',
      manifest: ready,
    });
  });

  it('says whether overrides shaped it (lazy copies are the source plus replicas)', () => {
    const lazy = ClusterCopy.lazy('c', 2, source());
    expect(lazy.overridden).toBe(false);
    expect(lazy.manifest.kind).toBe(source().kind); // reading renders it; still not overridden
    expect(lazy.overridden).toBe(false);
    expect(ClusterCopy.rendered('c', 2, source()).overridden).toBe(true);
  });
});
