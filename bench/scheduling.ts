/**
 * Scheduling decisions for 10,000 objects × 200 policies (target ≤ 200 ms).
 * Run: npx tsx bench/scheduling.ts
 *
 * The workload is synthetic but shaped like real use: most policies select by an `app`
 * label (indexable), a few by NotIn/Exists only (evaluated for every object), a mix of
 * Duplicate, Divide, fill-and-spill and single-cluster policies, overrides on some
 * objects, one NotReady cluster, and objects no policy selects.
 */
import type { KubeObject } from '../src/resources/meta.js';
import type { SchedulePolicy, SchedulePolicySpec } from '../src/resources/schedule-policy.js';
import type { ClusterView } from '../src/scheduling/cluster-select.js';
import { schedule } from '../src/scheduling/placement.js';
import type { ScheduleInput } from '../src/scheduling/placement.js';
import { fmt, printRows, summarize } from './support/stats.js';

const OBJECTS = 10_000;
const POLICIES = 200;
const NAMESPACES = 30;
const TARGET_MS = 200;

const regions = ['east', 'west', 'central'];
const clusters: ClusterView[] = Array.from({ length: 6 }, (_, i) => ({
  name: `cluster-${i}`,
  ready: i !== 5,
  labels: {
    'kubernetes.io/metadata.name': `cluster-${i}`,
    region: regions[i % 3]!,
    provider: i < 3 ? 'gce' : 'aws',
  },
}));

const namespaces = new Map<string, Record<string, string>>(
  Array.from({ length: NAMESPACES }, (_, i) => [
    `ns-${i}`,
    { env: i % 2 === 0 ? 'prod' : 'dev', team: `team-${i % 5}` },
  ]),
);

const nameIn = (...names: string[]) => ({
  matchExpressions: [
    { key: 'kubernetes.io/metadata.name', operator: 'In' as const, values: names },
  ],
});

function policyAt(i: number): SchedulePolicy {
  const app = `app-${i}`;
  let spec: SchedulePolicySpec;
  switch (i % 10) {
    case 0:
      spec = {
        namespaceSelector: { matchLabels: { env: 'prod' } },
        resourceSelectors: {
          labelSelectors: [
            { matchExpressions: [{ key: 'app', operator: 'In', values: [app, `app-${i + 1}`] }] },
          ],
        },
        groupBy: { labelKey: 'app' },
        clusterSelector: nameIn('cluster-0', 'cluster-1'),
        spreadConstraints: {
          spreadMode: 'Duplicate',
          overrides: ['cluster-0', 'cluster-1'].map((c) => ({
            topologyValue: c,
            resources: Array.from({ length: 5 }, (_, k) => ({
              kind: 'Deployment',
              apiVersion: 'apps/v1',
              name: `obj-${(i * 50 + k * 10) % OBJECTS}`,
              override: [
                {
                  fieldPath: 'spec.template.spec.containers[0].env[0].value',
                  value: { staticValue: `postgres://${c}` },
                },
                {
                  fieldPath: "metadata.labels['topology.istio.io/network']",
                  value: { staticValue: `${c}-net` },
                },
              ],
            })),
          })),
        },
      };
      break;
    case 1:
      spec = {
        namespaceSelector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }],
        },
        resourceSelectors: { labelSelectors: [{ matchLabels: { app } }] },
        clusterSelector: nameIn('cluster-1', 'cluster-2', 'cluster-5'),
        spreadConstraints: {
          spreadMode: 'Divide',
          percentageSplit: [
            { topologyValue: 'cluster-1', percentage: 70 },
            { topologyValue: 'cluster-2', percentage: 20 },
            { topologyValue: 'cluster-5', percentage: 10 },
          ],
        },
      };
      break;
    case 2:
      spec = {
        resourceSelectors: {
          labelSelectors: [
            { matchLabels: { app, tier: 'web' } },
            { matchLabels: { app, tier: 'db' } },
          ],
        },
        orderedClusterSelector: nameIn('cluster-5', 'cluster-3', 'cluster-4'),
      };
      break;
    case 3:
      // Selects by NotIn/Exists only: no label to index by, so checked against every object.
      spec = {
        namespaceSelector: nameIn(`ns-${i % NAMESPACES}`),
        resourceSelectors: {
          labelSelectors: [
            {
              matchExpressions: [
                { key: 'tier', operator: 'Exists' },
                { key: 'app', operator: 'NotIn', values: [app] },
              ],
            },
          ],
        },
        clusterSelector: { matchLabels: { region: 'west' } },
        spreadConstraints: { spreadMode: 'Duplicate', topologyKey: 'region' },
      };
      break;
    default:
      spec = {
        namespaceSelector: i % 3 === 0 ? { matchLabels: { env: 'dev' } } : {},
        resourceSelectors: { labelSelectors: [{ matchLabels: { app } }] },
        clusterSelector: { matchLabels: { provider: i % 2 === 0 ? 'gce' : 'aws' } },
        ...(i % 4 === 0 && { spreadConstraints: { spreadMode: 'Duplicate' as const } }),
      };
  }
  return {
    apiVersion: 'policy.elotl.co/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name: `policy-${String(i).padStart(3, '0')}` },
    spec: { ...spec, ...(i % 7 === 0 && { priority: i % 3 }) },
  };
}

function objectAt(k: number): KubeObject {
  const metadata = {
    name: `obj-${k}`,
    namespace: `ns-${k % NAMESPACES}`,
    labels: { app: `app-${k % 230}`, tier: ['web', 'db', 'cache'][k % 3]!, team: `team-${k % 7}` },
  };
  switch (k % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas: 1 + (k % 12),
          selector: { matchLabels: { app: metadata.labels.app } },
          template: {
            metadata: { labels: { app: metadata.labels.app } },
            spec: {
              containers: [
                {
                  name: 'main',
                  image: `registry.example/${metadata.labels.app}:1.${k % 50}`,
                  ports: [{ containerPort: 8080 }],
                  env: [
                    { name: 'DATABASE_URL', value: 'postgres://db/app' },
                    { name: 'LOG_LEVEL', value: 'info' },
                  ],
                  resources: { requests: { cpu: '100m', memory: '128Mi' } },
                },
              ],
            },
          },
        },
      };
    case 4:
    case 5:
    case 6:
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: { selector: { app: metadata.labels.app }, ports: [{ port: 80, targetPort: 8080 }] },
      };
    default:
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata,
        data: { 'app.properties': `name=${metadata.name}\n` },
      };
  }
}

const input: ScheduleInput = {
  objects: Array.from({ length: OBJECTS }, (_, k) => objectAt(k)),
  policies: Array.from({ length: POLICIES }, (_, i) => policyAt(i)),
  clusters,
  namespaces,
};

/** Wall-clock and CPU milliseconds of one call (CPU time is steadier on a busy machine). */
function time<T>(fn: () => T): { ms: number; cpuMs: number; result: T } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, result };
}

for (let i = 0; i < 5; i++) schedule(input); // warm up the JIT

// Each run's result is dropped before the next, as in the control plane, where only the
// latest placements are kept.
const wall: number[] = [];
const cpu: number[] = [];
let last = schedule(input);
for (let i = 0; i < 15; i++) {
  const r = time(() => schedule(input));
  wall.push(r.ms);
  cpu.push(r.cpuMs);
  last = r.result;
}
const wallS = summarize(wall);
const cpuS = summarize(cpu);
const copies = last.reduce((n, p) => n + p.clusters.length, 0);
const unschedulable = last.filter((p) => p.unschedulable !== undefined).length;

const rendered = time(() => {
  let fields = 0;
  for (const p of schedule(input))
    for (const c of p.clusters) fields += Object.keys(c.manifest).length;
  return fields;
});

printRows(
  `scheduling: ${OBJECTS} objects × ${POLICIES} policies × ${clusters.length} clusters → ${last.length} placements, ${copies} copies, ${unschedulable} unschedulable`,
  [
    {
      what: `decisions p50 (${wallS.n} runs)`,
      value: fmt(wallS.p50),
      target: `≤ ${TARGET_MS} ms`,
      ok: wallS.p50 <= TARGET_MS,
    },
    { what: 'decisions max', value: fmt(wallS.max) },
    { what: 'decisions CPU p50 (all threads, GC included)', value: fmt(cpuS.p50) },
    { what: `decisions + rendering all ${copies} manifests`, value: fmt(rendered.ms) },
  ],
);
