import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/meta.js';
import {
  isControlPlaneKind,
  isNamespaceObject,
  namespaceLabels,
  namespaceOf,
} from './object-scope.js';

const obj = (apiVersion: string, kind: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', ...(namespace !== undefined && { namespace }) },
});

describe('object scope', () => {
  it.each<[KubeObject, string | undefined]>([
    [obj('apps/v1', 'Deployment', 'prod'), 'prod'],
    [obj('apps/v1', 'Deployment'), 'default'], // as kubectl apply would put it
    [obj('v1', 'ConfigMap', ''), 'default'],
    [obj('v1', 'Namespace'), undefined],
    [obj('rbac.authorization.k8s.io/v1', 'ClusterRole'), undefined],
    [obj('example.com/v1', 'Widget'), undefined], // unknown kind without namespace: cluster-scoped
    [obj('example.com/v1', 'Widget', 'team'), 'team'],
  ])('%j lives in %j', (o, ns) => {
    expect(namespaceOf(o)).toBe(ns);
  });

  it.each<[string, string, boolean]>([
    ['policy.elotl.co/v1alpha1', 'SchedulePolicy', true],
    ['policy.elotl.co/v1alpha1', 'ScheduleGroup', true],
    ['recovery.elotl.co/v1alpha1', 'RecoveryPlan', true],
    ['cluster.elotl.co/v1alpha1', 'Cluster', true],
    ['apps/v1', 'Deployment', false],
    ['pgv2.percona.com/v2', 'PerconaPGCluster', false],
    ['elotl.co/v1', 'Other', false],
  ])('%s %s is a control-plane kind: %s', (apiVersion, kind, expected) => {
    expect(isControlPlaneKind(obj(apiVersion, kind))).toBe(expected);
  });

  it('recognises Namespace objects', () => {
    expect(isNamespaceObject(obj('v1', 'Namespace'))).toBe(true);
    expect(isNamespaceObject(obj('example.com/v1', 'Namespace'))).toBe(false);
  });

  it('gives every namespace its name label, which wins over a stale one', () => {
    expect(namespaceLabels('prod', undefined)).toStrictEqual({
      'kubernetes.io/metadata.name': 'prod',
    });
    expect(
      namespaceLabels('prod', { env: 'p', 'kubernetes.io/metadata.name': 'old' }),
    ).toStrictEqual({
      env: 'p',
      'kubernetes.io/metadata.name': 'prod',
    });
  });
});
