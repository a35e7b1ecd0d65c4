import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import { contentHash, isFollowed } from './hub-state.js';

const cm = (over: Partial<KubeObject> = {}, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  data: { a: '1' },
  ...over,
  metadata: { name: 'c', namespace: 'n', ...meta },
});

describe('contentHash', () => {
  it('ignores status and server-owned metadata, so status write-back changes nothing to send', () => {
    const base = contentHash(cm());
    expect(
      contentHash(
        cm(
          { status: { x: 1 } },
          {
            resourceVersion: '9',
            generation: 4,
            uid: 'u',
            creationTimestamp: 't',
            managedFields: [],
          },
        ),
      ),
    ).toBe(base);
  });

  it('sees data, labels and annotations', () => {
    const base = contentHash(cm());
    expect(contentHash(cm({ data: { a: '2' } }))).not.toBe(base);
    expect(contentHash(cm({}, { labels: { x: 'y' } }))).not.toBe(base);
    expect(contentHash(cm({}, { annotations: { x: 'y' } }))).not.toBe(base);
  });
});

describe('isFollowed', () => {
  it.each([
    ['apps/Deployment', true],
    ['core/ConfigMap', true],
    ['pgv2.percona.com/PerconaPGCluster', true],
    ['policy.elotl.co/SchedulePolicy', true],
    ['recovery.elotl.co/RecoveryRun', false],
    ['recovery.elotl.co/RecoveryPlan', false],
    ['cluster.elotl.co/Cluster', false],
  ])('%s → %s', (kind, followed) => {
    expect(isFollowed(kind)).toBe(followed);
  });
});
