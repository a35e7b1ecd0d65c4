/**
 * STAND-IN for what Kubernetes does with cluster-3's `haproxy-config` ConfigMap (kubelet
 * updating the mounted file) plus a config-reloader sidecar: it watches the ConfigMap,
 * renders its `haproxy.cfg` for the lab's local HAProxy (lab ports and hostnames, see
 * haproxy/render.ts) and reloads HAProxy seamlessly (master-worker, SIGUSR2): the
 * listener never closes, new connections go to the new backend.
 */
import { writeFile } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { appendLabEvent } from '../events.js';
import {
  haproxyFiles,
  haproxyRenderTarget,
  haproxyServiceName,
  reloadHaproxy,
} from '../haproxy/haproxy.js';
import { renderHaproxyConfig } from '../haproxy/render.js';
import type { RenderedServer } from '../haproxy/render.js';
import { serviceRunning } from '../processes/supervisor.js';
import type { LabTopology } from '../topology/topology.js';
import { loadKubeConfig, runController, statusCode } from './kube.js';
import type { Log } from './kube.js';

/** Where the ConfigMap is, as in examples/ferretdb-percona/haproxy.yaml. */
export const haproxyConfigMap = {
  namespace: 'psql-operator',
  name: 'haproxy-config',
  key: 'haproxy.cfg',
};

/** `<dir>/haproxy/applied.json`: what HAProxy serves now, for the drill and for people. */
export interface AppliedHaproxy {
  appliedAt: string;
  resourceVersion: string;
  servers: RenderedServer[];
  reloadMs: number;
}

/** Options of {@link runHaproxyStandin}. */
export interface HaproxyStandinOptions {
  topology: LabTopology;
  signal: AbortSignal;
  log: Log;
  resyncMs?: number;
  /** Namespace of the ConfigMap. Default `psql-operator`. */
  namespace?: string;
}

/** Runs the HAProxy stand-in (in cluster-3) until `signal` aborts. */
export async function runHaproxyStandin(options: HaproxyStandinOptions): Promise<void> {
  const { topology, log } = options;
  const cluster = topology.haproxy.cluster;
  const source = 'haproxy-standin';
  const kc = loadKubeConfig(topology.dir, cluster);
  const api = kc.makeApiClient(CoreV1Api);
  const files = haproxyFiles(topology);
  const target = haproxyRenderTarget(topology);
  const namespace = options.namespace ?? haproxyConfigMap.namespace;
  let lastText: string | null = null;

  await runController<V1ConfigMap>({
    name: source,
    kc,
    watchPath: `/api/v1/namespaces/${namespace}/configmaps`,
    watchQuery: { fieldSelector: `metadata.name=${haproxyConfigMap.name}` },
    list: async () => {
      try {
        return [await api.readNamespacedConfigMap({ name: haproxyConfigMap.name, namespace })];
      } catch (err) {
        if (statusCode(err) === 404) return [];
        throw err;
      }
    },
    reconcile: async ([cm]) => {
      const text = cm?.data?.[haproxyConfigMap.key];
      if (text === undefined || text === lastText) return;
      if (!(await serviceRunning(topology.dir, haproxyServiceName))) return;
      const rv = cm?.metadata?.resourceVersion ?? '';
      let rendered;
      try {
        rendered = renderHaproxyConfig(
          text,
          target,
          `# Rendered by lifeboat's lab HAProxy stand-in from ConfigMap ${namespace}/${haproxyConfigMap.name} (resourceVersion ${rv}) in ${cluster}\n`,
        );
      } catch (err) {
        lastText = text; // the same text will not render any better on the next pass
        log(`${source}: not applied (HAProxy keeps its current config): ${(err as Error).message}`);
        await appendLabEvent(topology.dir, {
          source,
          event: 'haproxy-render-failed',
          error: (err as Error).message,
        });
        return;
      }
      const reload = await reloadHaproxy(topology, rendered.config);
      lastText = text;
      const applied: AppliedHaproxy = {
        appliedAt: new Date().toISOString(),
        resourceVersion: rv,
        servers: rendered.servers,
        reloadMs: reload.ms,
      };
      await writeFile(files.applied, JSON.stringify(applied, null, 2) + '\n');
      const to = rendered.servers
        .map((s) => `${s.from} -> ${s.to}${s.cluster ? ` (${s.cluster})` : ''}`)
        .join(', ');
      log(`${source}: reloaded in ${String(reload.ms)} ms: ${to}`);
      await appendLabEvent(topology.dir, {
        source,
        event: 'haproxy-reloaded',
        ms: reload.ms,
        resourceVersion: rv,
        clusters: rendered.servers.map((s) => s.cluster),
        servers: rendered.servers.map((s) => s.to),
      });
    },
    signal: options.signal,
    log,
    resyncMs: options.resyncMs ?? 1_000,
  });
}
