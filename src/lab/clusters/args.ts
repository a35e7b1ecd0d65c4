import path from 'node:path';
import type { ClusterPki } from './certs.js';
import type { ClusterState } from './state.js';

/** File that lists the bearer token kube-apiserver accepts (`--token-auth-file`). */
export function tokenFile(cluster: ClusterState): string {
  return path.join(cluster.dir, 'tokens.csv');
}

/** Command-line arguments of a cluster's own single-member etcd. */
export function etcdArgs(cluster: ClusterState): string[] {
  const client = `http://127.0.0.1:${String(cluster.etcd.clientPort)}`;
  const peer = `http://127.0.0.1:${String(cluster.etcd.peerPort)}`;
  return [
    `--name=${cluster.name}`,
    `--data-dir=${cluster.etcd.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${cluster.name}=${peer}`,
    // Lab data only has to survive a killed process, not a power cut: skip fsync, which
    // is what makes etcd slow on CI disks.
    '--unsafe-no-fsync',
    // Fewer raft entries kept in memory between snapshots (default 100000).
    '--snapshot-count=5000',
    '--log-level=warn',
  ];
}

/**
 * Command-line arguments of a cluster's kube-apiserver: loopback only, token auth with
 * RBAC (the token's user is in system:masters), and nothing that needs a controller-manager.
 */
export function apiserverArgs(cluster: ClusterState, pki: ClusterPki): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${String(cluster.etcd.clientPort)}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${String(cluster.apiserver.port)}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--token-auth-file=${tokenFile(cluster)}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    // No controller-manager creates the `default` ServiceAccount, so this plugin would
    // reject every Pod in a fresh namespace.
    '--disable-admission-plugins=ServiceAccount',
    // Lighter and faster to start: no flow-control bootstrap, no endpoint writes, no pprof.
    '--enable-priority-and-fairness=false',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--allow-privileged=true',
  ];
}
