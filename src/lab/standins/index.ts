/**
 * The lab's STAND-INS for what real operators and clouds do (each clearly not the real
 * thing): the Percona Operator (promote/demote local PostgreSQL), a cloud LoadBalancer
 * controller (Service status), and the HAProxy config reloader; run per member cluster
 * by an agent process that also serves that cluster's `/metrics`.
 */
export { agentParts, runClusterAgent } from './agent.js';
export type { AgentPart, ClusterAgentOptions } from './agent.js';
export { haproxyConfigMap, runHaproxyStandin } from './haproxy.js';
export type { AppliedHaproxy, HaproxyStandinOptions } from './haproxy.js';
export { kubeconfigPath, loadKubeConfig, mergePatch, runController } from './kube.js';
export type { ControllerOptions, Log } from './kube.js';
export { desiredIngress, loadBalancedPort, runLoadBalancerStandin } from './loadbalancer.js';
export type { LoadBalancerStandinOptions } from './loadbalancer.js';
export { perconaApi, perconaNamespace, runPerconaStandin } from './percona.js';
export type { PerconaPGCluster, PerconaStandinOptions, PerconaStatus } from './percona.js';
export {
  agentClusters,
  agentServiceName,
  killAgent,
  startAgent,
  startStandins,
  stopAgent,
} from './start.js';
