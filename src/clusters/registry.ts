/**
 * The member clusters lifeboat knows, from the Cluster objects in the hub store: one
 * client per cluster (rebuilt when its spec or kubeconfig Secret changes), a health
 * probe per cluster, and the `Ready` condition written back to each Cluster's status.
 *
 * A kubeconfig that cannot be loaded or an API server that does not answer makes that
 * one Cluster NotReady with the reason; nothing else stops. Unready clusters are probed
 * with exponential backoff, so a cluster that comes back is noticed within
 * `maxBackoffMs`; anyone who sees a cluster fail can say so ({@link markUnreachable})
 * to skip the wait for the next probe.
 *
 * Also the {@link MemberClusters} the recovery engine uses for steps with `cluster:`,
 * behind an optional gate (propagation installs one: nothing reaches a cluster that
 * came back before its desired state has been re-applied).
 */
import type { Logger } from 'pino';
import {
  cluster as clusterSchema,
  type ClusterCondition,
  type ClusterSpec,
} from '../resources/cluster.js';
import { CLUSTER_GROUP, kindKey } from '../resources/kinds.js';
import type { KubeObject } from '../resources/meta.js';
import type { ClusterView } from '../scheduling/cluster-select.js';
import type { ChangeEvent, RedisStore, StoreKey } from '../store/redis-store.js';
import type { ResourceService } from '../store/resource-service.js';
import { canonicalJson } from '../util/canonical-json.js';
import { ClusterClient } from './client.js';
import {
  backoffMs,
  DEFAULT_PROBE_TIMING,
  nextCondition,
  nextProbeDelay,
  sameCondition,
  unknownCondition,
  type Observation,
  type ProbeTiming,
} from './health.js';
import { KubeconfigError, loadClusterKubeConfig } from './kubeconfig.js';
import { MemberClusterError, type MemberClusters, type MemberTarget } from './member-clusters.js';
import { errorFromFailure, isUnreachable } from './status-errors.js';
import type { PatchType } from '../resources/recovery-plan.js';

export const CLUSTER_KIND = kindKey(CLUSTER_GROUP, 'Cluster');
const SECRET_KIND = kindKey('', 'Secret');

/** The kinds onStoreChange acts on; the watch skips the rest undecoded. */
function isRegistryKind(kind: string): boolean {
  return kind === CLUSTER_KIND || kind === SECRET_KIND;
}

/** What changed about a cluster; `ready` is its readiness now. */
export interface ClusterChange {
  cluster: string;
  ready: boolean;
  what: 'added' | 'removed' | 'readiness' | 'labels';
}

export interface ClusterRegistryOptions {
  store: RedisStore;
  resources: ResourceService;
  logger: Logger;
  timing?: Partial<ProbeTiming>;
  /** Timeout of one probe. Default 3 s. */
  probeTimeoutMs?: number;
  /** Connections per cluster for ordinary requests. Default 32. */
  maxSockets?: number;
}

interface Entry {
  name: string;
  labels: Record<string, string>;
  spec: ClusterSpec;
  /** Spec plus the resourceVersion of its Secret: a change means a new client. */
  specKey: string;
  client?: ClusterClient;
  ready: boolean;
  condition: ClusterCondition;
  failures: number;
  timer?: NodeJS.Timeout;
  probing?: Promise<void>;
  /** Bumped when the client is replaced, so a probe of the old one cannot decide. */
  epoch: number;
  statusWrite: Promise<void>;
}

function isCondition(v: unknown): v is ClusterCondition {
  const c = v as Partial<ClusterCondition> | undefined;
  return typeof c?.lastTransitionTime === 'string' && c.type === 'Ready';
}

function storedCondition(obj: KubeObject): ClusterCondition | undefined {
  const conditions = (obj.status as { conditions?: unknown[] } | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.find(isCondition) : undefined;
}

function secretId(ns: string, name: string): string {
  return `${ns}/${name}`;
}

/** The Ready observation for a failed probe. */
function failedProbe(err: MemberClusterError): Observation {
  if (err.code === 0) return { ready: false, reason: err.reason, message: err.message };
  if (err.code === 401)
    return {
      ready: false,
      reason: 'Unauthorized',
      message: `${err.message}; the kubeconfig's credentials were refused`,
    };
  if (err.code === 403)
    return {
      ready: false,
      reason: 'Forbidden',
      message: `${err.message}; the kubeconfig's user may not read /readyz`,
    };
  return { ready: false, reason: 'NotReady', message: err.message };
}

export class ClusterRegistry implements MemberClusters {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(change: ClusterChange) => void>();
  private readonly timing: ProbeTiming;
  private readonly abort = new AbortController();
  private watching: Promise<void> | undefined;
  private gate: ((cluster: string) => Promise<void>) | undefined;
  private stopped = false;

  constructor(private readonly opts: ClusterRegistryOptions) {
    this.timing = { ...DEFAULT_PROBE_TIMING, ...opts.timing };
  }

  /** Loads the Cluster objects, starts probing them, and follows changes to them. */
  async start(): Promise<void> {
    const from = await this.opts.store.streamPosition();
    const { items } = await this.opts.store.list(CLUSTER_KIND);
    await Promise.all(items.map((o) => this.upsert(o)));
    this.watching = this.follow(from);
  }

  /** Stops probing and following, and closes every client. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.watching;
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      e.client?.close();
    }
    await Promise.allSettled(
      [...this.entries.values()].flatMap((e) =>
        e.probing ? [e.probing, e.statusWrite] : [e.statusWrite],
      ),
    );
  }

  /** Called on every readiness, label, addition and removal change. Returns an unsubscribe. */
  onChange(listener: (change: ClusterChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Installs the wait every MemberClusters call makes before touching a cluster. */
  setGate(gate: (cluster: string) => Promise<void>): void {
    this.gate = gate;
  }

  /** The clusters as the scheduler sees them, in name order. */
  views(): ClusterView[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => ({ name: e.name, labels: e.labels, ready: e.ready }));
  }

  names(): string[] {
    return this.views().map((v) => v.name);
  }

  isReady(name: string): boolean {
    return this.entries.get(name)?.ready ?? false;
  }

  /** The cluster's Ready condition as last observed. */
  condition(name: string): ClusterCondition | undefined {
    return this.entries.get(name)?.condition;
  }

  /** The cluster's client, when its kubeconfig could be loaded. */
  client(name: string): ClusterClient | undefined {
    return this.entries.get(name)?.client;
  }

  /** Secrets (`namespace/name`) that hold kubeconfigs: never propagated anywhere. */
  kubeconfigSecrets(): Set<string> {
    const out = new Set<string>();
    for (const e of this.entries.values()) {
      const ref = e.spec.kubeconfig.secretRef;
      if (ref) out.add(secretId(ref.namespace, ref.name));
    }
    return out;
  }

  /**
   * Someone saw the cluster fail to answer: it is NotReady now (condition written) and
   * probed again after the first backoff step, not the full interval.
   */
  markUnreachable(name: string, err: MemberClusterError): void {
    const e = this.entries.get(name);
    if (!e || this.stopped || !e.ready) return;
    e.failures = Math.max(e.failures, 1);
    this.observe(e, failedProbe(err));
    this.schedule(e, this.timing.minBackoffMs);
  }

  // --- MemberClusters ---

  async get(cluster: string, target: MemberTarget): Promise<KubeObject | undefined> {
    return this.call(cluster, (c) => c.getResource(target));
  }

  async patch(
    cluster: string,
    target: MemberTarget,
    patch: unknown,
    patchType: PatchType,
  ): Promise<KubeObject> {
    return this.call(cluster, (c) => c.patchResource(target, patch, patchType));
  }

  private async call<T>(cluster: string, fn: (client: ClusterClient) => Promise<T>): Promise<T> {
    const e = this.entries.get(cluster);
    if (!e) {
      const known = this.names();
      throw new MemberClusterError(
        cluster,
        404,
        'ClusterNotFound',
        `no Cluster object named "${cluster}" (known: ${known.join(', ') || 'none'}); register it or fix the step's cluster`,
      );
    }
    if (this.gate) await this.gate(cluster);
    const client = e.client;
    if (!client)
      throw new MemberClusterError(cluster, 503, e.condition.reason, e.condition.message);
    try {
      return await fn(client);
    } catch (err) {
      const failure = errorFromFailure(cluster, err, 'request');
      if (isUnreachable(failure)) this.markUnreachable(cluster, failure);
      throw failure;
    }
  }

  // --- Cluster objects ---

  private async follow(from: string): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        for await (const ev of this.opts.store.watch(signal, from, isRegistryKind)) {
          failures = 0;
          from = ev.id;
          await this.onStoreChange(ev);
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const delay = backoffMs(++failures, 1000, 30_000);
        this.opts.logger.warn(
          { err, retryInMs: delay },
          'cluster registry lost the store change stream; following again',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async onStoreChange(ev: ChangeEvent): Promise<void> {
    if (ev.kind === CLUSTER_KIND) {
      const key: StoreKey = { kind: CLUSTER_KIND, namespace: '', name: ev.name };
      const obj = ev.type === 'DELETED' ? undefined : await this.opts.store.get(key);
      if (obj) await this.upsert(obj);
      else this.remove(ev.name);
      return;
    }
    if (ev.kind === SECRET_KIND) {
      const id = secretId(ev.namespace, ev.name);
      for (const e of this.entries.values()) {
        const ref = e.spec.kubeconfig.secretRef;
        if (ref && secretId(ref.namespace, ref.name) === id) {
          const obj = await this.opts.store.get({
            kind: CLUSTER_KIND,
            namespace: '',
            name: e.name,
          });
          if (obj) await this.upsert(obj);
        }
      }
    }
  }

  private async specKeyOf(spec: ClusterSpec): Promise<string> {
    const ref = spec.kubeconfig.secretRef;
    let secretRv = '';
    if (ref) {
      const secret = await this.opts.store.get({
        kind: SECRET_KIND,
        namespace: ref.namespace,
        name: ref.name,
      });
      secretRv = secret?.metadata.resourceVersion ?? 'absent';
    }
    return `${canonicalJson(spec)}|${secretRv}`;
  }

  private async upsert(obj: KubeObject): Promise<void> {
    const parsed = clusterSchema.safeParse(obj);
    const name = obj.metadata.name;
    if (!parsed.success) {
      this.opts.logger.warn(
        { cluster: name },
        'stored Cluster object does not match the schema; ignored',
      );
      return;
    }
    const spec = parsed.data.spec;
    const labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
    const specKey = await this.specKeyOf(spec);
    const existing = this.entries.get(name);
    if (!existing) {
      const e: Entry = {
        name,
        labels,
        spec,
        specKey,
        ready: false,
        condition: storedCondition(obj) ?? unknownCondition(new Date()),
        failures: 0,
        epoch: 0,
        statusWrite: Promise.resolve(),
      };
      this.entries.set(name, e);
      this.emit({ cluster: name, ready: false, what: 'added' });
      this.schedule(e, 0);
      return;
    }
    if (canonicalJson(existing.labels) !== canonicalJson(labels)) {
      existing.labels = labels;
      this.emit({ cluster: name, ready: existing.ready, what: 'labels' });
    }
    if (existing.specKey !== specKey) {
      existing.spec = spec;
      existing.specKey = specKey;
      existing.epoch++;
      existing.client?.close();
      delete existing.client;
      existing.failures = 0;
      this.observe(existing, {
        ready: false,
        reason: 'Reconfiguring',
        message: 'the kubeconfig changed; probing the cluster with the new one',
      });
      this.schedule(existing, 0);
    }
  }

  private remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    clearTimeout(e.timer);
    e.client?.close();
    e.epoch++;
    this.entries.delete(name);
    this.emit({ cluster: name, ready: false, what: 'removed' });
  }

  private emit(change: ClusterChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.opts.logger.error({ err, cluster: change.cluster }, 'cluster change listener failed');
      }
    }
  }

  // --- probing ---

  private schedule(e: Entry, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      if (e.probing) return;
      e.probing = this.probe(e).finally(() => {
        e.probing = undefined;
      });
    }, delayMs);
    e.timer.unref();
  }

  private async probe(e: Entry): Promise<void> {
    const epoch = e.epoch;
    let observation: Observation;
    try {
      if (!e.client) {
        const kc = await loadClusterKubeConfig(e.spec, (ns, name) =>
          this.opts.store.get({ kind: SECRET_KIND, namespace: ns, name }),
        );
        const client = await ClusterClient.create(e.name, kc, { maxSockets: this.opts.maxSockets });
        if (epoch !== e.epoch || this.stopped) {
          client.close();
          return;
        }
        e.client = client;
      }
      await e.client.probe(this.opts.probeTimeoutMs ?? 3_000);
      observation = {
        ready: true,
        reason: 'Reachable',
        message: `the API server at ${e.client.server} answers /readyz`,
      };
    } catch (err) {
      if (err instanceof KubeconfigError)
        observation = { ready: false, reason: err.reason, message: err.message };
      else observation = failedProbe(errorFromFailure(e.name, err, 'GET /readyz'));
    }
    if (epoch !== e.epoch || this.stopped || !this.entries.has(e.name)) return;
    e.failures = observation.ready ? 0 : e.failures + 1;
    this.observe(e, observation);
    this.schedule(e, nextProbeDelay(e.ready, e.failures, this.timing));
  }

  /** Records an observation: condition (written when it changed) and readiness (announced when it flipped). */
  private observe(e: Entry, observation: Observation): void {
    const next = nextCondition(e.condition, observation, new Date());
    if (!sameCondition(e.condition, next)) {
      e.condition = next;
      e.statusWrite = e.statusWrite.then(() => this.writeCondition(e.name, next));
    }
    if (e.ready !== observation.ready) {
      e.ready = observation.ready;
      this.opts.logger.info(
        { cluster: e.name, ready: e.ready, reason: observation.reason },
        e.ready ? 'member cluster is Ready' : `member cluster is NotReady: ${observation.message}`,
      );
      this.emit({ cluster: e.name, ready: e.ready, what: 'readiness' });
    }
  }

  private async writeCondition(name: string, condition: ClusterCondition): Promise<void> {
    try {
      await this.opts.resources.update({ kind: CLUSTER_KIND, namespace: '', name }, (cur) => {
        const status = (cur.status ?? {}) as { conditions?: unknown[] };
        const others = (status.conditions ?? []).filter((c) => !isCondition(c));
        if (sameCondition(storedCondition(cur), condition)) return undefined;
        return { ...cur, status: { ...status, conditions: [...others, condition] } };
      });
    } catch (err) {
      // Deleted meanwhile, or Redis away: the next change writes again.
      this.opts.logger.debug({ err, cluster: name }, 'Cluster status not written');
    }
  }
}
