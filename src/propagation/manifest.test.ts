import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import {
  DesiredCopy,
  desiredCopy,
  memberManifest,
  objectId,
  ownedFieldsHash,
  storeKeyOfId,
} from './manifest.js';

const hubObject = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'ferretdb',
    namespace: 'default',
    uid: 'hub-uid',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2030-01-01T00:00:00Z',
    managedFields: [{ manager: 'x' }],
    ownerReferences: [{ uid: 'hub-owner' }],
    labels: { app: 'ferretdb' },
    annotations: { 'lifeboat.elotl.co/gitops-source': 'examples/ferretdb.yaml', note: 'kept' },
  },
  spec: { replicas: 1 },
  status: { readyReplicas: 1 },
});

describe('memberManifest', () => {
  it('drops hub server fields and status, keeps user metadata, adds the managed-by label', () => {
    const input = hubObject();
    expect(memberManifest(input)).toStrictEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'ferretdb',
        namespace: 'default',
        labels: { app: 'ferretdb', 'app.kubernetes.io/managed-by': 'lifeboat' },
        annotations: { note: 'kept' },
      },
      spec: { replicas: 1 },
    });
    expect(input).toStrictEqual(hubObject()); // not changed
  });

  it('removes annotations entirely when only hub ones were there', () => {
    const o = hubObject();
    o.metadata.annotations = { 'lifeboat.elotl.co/gitops-source': 'x' };
    expect(memberManifest(o).metadata.annotations).toBeUndefined();
  });
});

describe('object ids', () => {
  it.each([
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 'ns' } },
      'apps/Deployment|ns|a',
      { kind: 'apps/Deployment', namespace: 'ns', name: 'a' },
    ],
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'psql' } },
      'core/Namespace||psql',
      { kind: 'core/Namespace', namespace: '', name: 'psql' },
    ],
    [
      {
        apiVersion: 'pgv2.percona.com/v2',
        kind: 'PerconaPGCluster',
        metadata: { name: 'c1', namespace: 'p' },
      },
      'pgv2.percona.com/PerconaPGCluster|p|c1',
      { kind: 'pgv2.percona.com/PerconaPGCluster', namespace: 'p', name: 'c1' },
    ],
  ])('%j → %s, the hub store key', (obj, id, key) => {
    expect(objectId(obj)).toBe(id);
    expect(storeKeyOfId(id)).toStrictEqual(key);
  });
});

describe('desiredCopy', () => {
  it('is the member manifest as JSON, hashed: same content same hash, any change another', () => {
    const cm = (b: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n' },
      data: { a: '1', b },
    });
    const a = desiredCopy('x', cm('2'));
    expect(JSON.parse(a.body())).toStrictEqual(memberManifest(cm('2')));
    expect(desiredCopy('x', cm('2')).hash).toBe(a.hash);
    expect(a.addr).toStrictEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'n',
      name: 'c',
    });
    expect(desiredCopy('x', cm('3')).hash).not.toBe(a.hash);
  });
});

describe('DesiredCopy', () => {
  const deploy = (): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', uid: 'hub-uid', labels: { app: 'd' } },
    spec: { replicas: 5, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });

  it('renders a plain copy from the hub object without changing it, the same as from a rendered manifest', () => {
    const source = deploy();
    const before = structuredClone(source);
    const plain = DesiredCopy.ofSource('id', source, undefined);
    expect(source).toStrictEqual(before);
    expect(plain.body()).toBe(desiredCopy('id', deploy()).body());
    const divided = DesiredCopy.ofSource('id', source, 2);
    expect(source).toStrictEqual(before);
    expect(JSON.parse(divided.body()).spec.replicas).toBe(2);
    expect(divided.hash).not.toBe(plain.hash);
  });

  it('drops its body once every cluster applied it and renders the same bytes again', () => {
    const copy = DesiredCopy.ofSource('id', deploy(), 3);
    const body = copy.body();
    copy.claim();
    copy.claim();
    copy.applied();
    expect(copy.holdsBody).toBe(true);
    copy.applied();
    expect(copy.holdsBody).toBe(false);
    expect(copy.body()).toBe(body);
  });

  it('keeps the body of a copy shaped by overrides (it cannot be rendered from the hub object)', () => {
    const copy = DesiredCopy.ofManifest('id', deploy());
    copy.claim();
    copy.applied();
    expect(copy.holdsBody).toBe(true);
  });
});

describe('ownedFieldsHash', () => {
  const live = (entries: unknown[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', managedFields: entries },
  });
  const ours = { manager: 'lifeboat', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {} } } };

  it("hashes only lifeboat's Apply entry of the main resource", () => {
    const h = ownedFieldsHash(live([ours]));
    expect(h).not.toBe('');
    expect(
      ownedFieldsHash(
        live([
          { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': { 'f:b': {} } } },
          ours,
        ]),
      ),
    ).toBe(h);
    expect(
      ownedFieldsHash(
        live([{ ...ours, subresource: 'status', fieldsV1: { 'f:status': {} } }, ours]),
      ),
    ).toBe(h);
  });

  it('changes when a field lifeboat owned was taken over, and is empty when it owns nothing', () => {
    expect(ownedFieldsHash(live([{ ...ours, fieldsV1: { 'f:data': {} } }]))).not.toBe(
      ownedFieldsHash(live([ours])),
    );
    expect(ownedFieldsHash(live([]))).toBe('');
  });
});
