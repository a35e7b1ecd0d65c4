/** Cluster (cluster.elotl.co/v1alpha1): a member cluster and how to reach it. */
import { z } from 'zod';
import { clusterScopedMeta } from './common-schemas.js';

const kubeconfigRef = z
  .strictObject({
    /** A kubeconfig file on the control plane's filesystem. */
    path: z.string().min(1).optional(),
    /** A kubeconfig held in lifeboat's store: a v1 Secret and its key (default `kubeconfig`). */
    secretRef: z
      .strictObject({
        namespace: z.string().min(1),
        name: z.string().min(1),
        key: z.string().min(1).optional(),
      })
      .optional(),
    /** The context to use; the file's current-context when absent. */
    context: z.string().min(1).optional(),
  })
  .refine((k) => (k.path === undefined) !== (k.secretRef === undefined), {
    message: 'set exactly one of kubeconfig.path or kubeconfig.secretRef',
  });

export const clusterSpec = z.strictObject({
  kubeconfig: kubeconfigRef,
});

export const cluster = z.looseObject({
  apiVersion: z.literal('cluster.elotl.co/v1alpha1'),
  kind: z.literal('Cluster'),
  metadata: clusterScopedMeta,
  spec: clusterSpec,
});

export type Cluster = z.infer<typeof cluster>;
export type ClusterSpec = z.infer<typeof clusterSpec>;

export interface ClusterCondition {
  type: 'Ready';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}
