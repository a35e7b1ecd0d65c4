/**
 * Real Kubernetes member clusters on loopback for tests and the lab: one etcd and one
 * kube-apiserver per cluster, built from Go modules (tools/k8s/build.sh). See ADR 0003.
 */
export { binaryPaths, ensureBinaries } from './binaries.js';
export type { Binaries, EnsureBinariesOptions } from './binaries.js';
export { LabClustersError } from './errors.js';
export {
  clustersDown,
  clustersStatus,
  clustersUp,
  killCluster,
  labPids,
  startCluster,
  stopCluster,
} from './lifecycle.js';
export type {
  ClustersDownOptions,
  ClustersUpOptions,
  ClustersUpResult,
  LabCluster,
  LabClusterStatus,
  Progress,
  StartClusterOptions,
} from './lifecycle.js';
export { crdDir, defaultLabDir } from './paths.js';
export { readState } from './state.js';
export type { ClusterState, LabState } from './state.js';
