import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../clusters/paths.js';
import { assertPortFree } from '../../util/ports.js';
import { killService, serviceRunning, startService, stopService } from '../processes/supervisor.js';
import { writeTopology } from '../topology/topology.js';
import type { LabTopology } from '../topology/topology.js';
import type { AgentPart } from './agent.js';

/** Supervisor name of the agent of `cluster`. */
export function agentServiceName(cluster: string): string {
  return `agent-${cluster}`;
}

/** How to run the agent entry point: the TypeScript source through tsx, else the build. */
async function agentCommand(): Promise<string[]> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const source = path.join(here, 'main.ts');
  const exists = await access(source).then(
    () => true,
    () => false,
  );
  return exists ? ['--import', 'tsx', source] : [path.join(here, 'main.js')];
}

async function metricsReady(host: string, port: number): Promise<boolean> {
  try {
    return (
      await fetch(`http://${host}:${String(port)}/metrics`, { signal: AbortSignal.timeout(1_000) })
    ).ok;
  } catch {
    return false;
  }
}

/**
 * Starts the agent of member cluster `cluster` (its stand-ins and `/metrics`) as a lab
 * service, and waits until its metrics endpoint answers.
 */
export async function startAgent(
  topology: LabTopology,
  cluster: string,
  options: {
    only?: readonly AgentPart[];
    namespace?: string;
    onProgress?: (line: string) => void;
  } = {},
): Promise<void> {
  const name = agentServiceName(cluster);
  if (await serviceRunning(topology.dir, name)) return;
  const endpoint = topology.metrics.find((m) => m.cluster === cluster);
  if (endpoint)
    await assertPortFree(
      endpoint.host,
      endpoint.port,
      `the /metrics endpoint of ${cluster}`,
      'choose another with --metrics-port',
    );
  // The agent process reads the lab's layout from <dir>/topology.json.
  await writeTopology(topology);
  const marker = `--agent-id=${topology.dir}#${cluster}`;
  await startService(topology.dir, {
    name,
    cluster,
    command: process.execPath,
    args: [
      ...(await agentCommand()),
      `--dir=${topology.dir}`,
      `--cluster=${cluster}`,
      ...(options.only ? [`--only=${options.only.join(',')}`] : []),
      ...(options.namespace ? [`--namespace=${options.namespace}`] : []),
      marker,
    ],
    marker,
    // tsx resolves from the working directory.
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=256' },
    ready:
      endpoint && (!options.only || options.only.includes('metrics'))
        ? () => metricsReady(endpoint.host, endpoint.port)
        : undefined,
    readyTimeoutMs: 30_000,
  });
  options.onProgress?.(`${cluster}: agent (stand-ins + /metrics) started`);
}

/** The member clusters that have an agent: the database clusters and HAProxy's. */
export function agentClusters(topology: LabTopology): string[] {
  return [...topology.databases.map((d) => d.name), topology.haproxy.cluster];
}

/**
 * Starts every cluster's agent: the Percona and LoadBalancer stand-ins of cluster-1 and
 * cluster-2, the HAProxy stand-in of cluster-3, and each cluster's `/metrics`. Needs the
 * member clusters (kubeconfigs in `<dir>/kubeconfigs/`) and `<dir>/topology.json`.
 */
export async function startStandins(
  topology: LabTopology,
  onProgress?: (line: string) => void,
): Promise<void> {
  for (const cluster of agentClusters(topology))
    await startAgent(topology, cluster, onProgress ? { onProgress } : {});
}

/** Stops the agent of `cluster` (SIGTERM). */
export function stopAgent(topology: LabTopology, cluster: string): Promise<boolean> {
  return stopService(topology.dir, agentServiceName(cluster));
}

/** Kills the agent of `cluster` (SIGKILL): its metrics endpoint vanishes at once. */
export function killAgent(topology: LabTopology, cluster: string): Promise<boolean> {
  return killService(topology.dir, agentServiceName(cluster));
}
