/**
 * The propagation loop: hub store → scheduler → one worker per member cluster.
 *
 * Level-triggered. Any change that could alter what a member receives (an object's
 * content, a policy, a Namespace's labels, a cluster's readiness or labels) schedules
 * a reconcile, debounced; a reconcile recomputes every placement and hands each worker
 * its cluster's complete desired state. Workers apply only what differs from what they
 * last applied, and each followed kind is listed again every `resyncMs`. See
 * docs/propagation.md.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { backoffMs } from '../clusters/health.js';
import type { MemberClusters } from '../clusters/member-clusters.js';
import { ClusterRegistry, type ClusterRegistryOptions } from '../clusters/registry.js';
import type { PropagationMetrics } from '../observability/metrics.js';
import type { ChangeEvent, RedisStore } from '../store/redis-store.js';
import type { ResourceService } from '../store/resource-service.js';
import { ClusterWorker, type CopyStatus, type WorkerPhase } from './cluster-worker.js';
import { DesiredBuilder, type DesiredState, type PlacementSummary } from './desired.js';
import type { DesiredCopy } from './manifest.js';
import { HeapTrim } from './heap-trim.js';
import { HubState, isFollowed } from './hub-state.js';
import { Inventory } from './inventory.js';
import { StatusSync } from './status-sync.js';

export interface PropagationOptions {
  redis: Redis;
  store: RedisStore;
  resources: ResourceService;
  logger: Logger;
  /** Use this registry (already built, not started) instead of making one. */
  registry?: ClusterRegistry;
  /** Probe timing and client options of the registry it makes. */
  clusters?: Pick<ClusterRegistryOptions, 'timing' | 'probeTimeoutMs' | 'maxSockets'>;
  /** Requests in flight per member cluster. Default 16. */
  concurrency?: number;
  /** Full list of every followed kind, per cluster, this often. Default 5 min. */
  resyncMs?: number;
  /** At most one reconcile per window (the first change after a quiet one goes at once). Default 50 ms. */
  debounceMs?: number;
  /** How long a MemberClusters call waits for a cluster that is not synced. Default 15 s. */
  gateTimeoutMs?: number;
  /** Backoff of an object a cluster refused (4xx). Default 1 s doubling to 5 min. */
  objectBackoff?: { minMs: number; maxMs: number };
  /** Where to count applies, prunes, drift, queue depths and readiness (docs/propagation.md#metrics). */
  metrics?: PropagationMetrics;
}

/** One copy in the placements view. */
export interface PlacedCopy extends CopyStatus {
  cluster: string;
  replicas?: number;
}

/** One object in the placements view: the scheduling decision and how each copy stands. */
export interface PlacementRecord extends Omit<PlacementSummary, 'clusters' | 'id'> {
  clusters: PlacedCopy[];
}

/** Worker counts per cluster. */
export interface ClusterSyncStats {
  cluster: string;
  phase: WorkerPhase;
  desired: number;
  applied: number;
  failed: number;
  queued: number;
  inFlight: number;
}

export interface Propagation {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Direct access to member clusters for recovery steps, behind the fencing gate. */
  readonly members: MemberClusters;
  readonly registry: ClusterRegistry;
  /** Every object's placement with per-cluster apply state. */
  placements(): PlacementRecord[];
  /** Per-cluster progress. */
  stats(): ClusterSyncStats[];
}

/** Builds the propagation loop; nothing runs until `start()`. */
export function createPropagation(opts: PropagationOptions): Propagation {
  return new Propagator(opts);
}

class Propagator implements Propagation {
  readonly registry: ClusterRegistry;
  private readonly hub: HubState;
  private readonly builder = new DesiredBuilder();
  private readonly workers = new Map<string, ClusterWorker>();
  private readonly status: StatusSync;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private desired: DesiredState | undefined;
  private pending: ChangeEvent[] = [];
  private draining: Promise<void> = Promise.resolve();
  private following: Promise<void> | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private lastReconcileEnd = 0;
  private resyncTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private unhookMetrics: (() => void) | undefined;
  /** A full GC when the workers fall quiet after a burst: see heap-trim.ts. */
  private readonly heapTrim = new HeapTrim(() =>
    [...this.workers.values()].every((w) => w.pending === 0),
  );
  private started = false;

  constructor(private readonly o: PropagationOptions) {
    this.log = o.logger.child({ component: 'propagation' });
    this.registry =
      o.registry ??
      new ClusterRegistry({
        store: o.store,
        resources: o.resources,
        logger: o.logger.child({ component: 'clusters' }),
        ...o.clusters,
      });
    this.hub = new HubState(o.store);
    this.status = new StatusSync(
      o.resources,
      (id) => this.desired?.placedOn.get(id),
      (id) => this.hub.get(id)?.status !== undefined,
      this.log,
    );
    this.registry.setGate((cluster) => this.gate(cluster));
    const m = o.metrics;
    if (m) this.unhookMetrics = m.onScrape(() => this.setGauges(m));
  }

  /** Gauges are read at scrape time: nothing is counted per apply for them. */
  private setGauges(m: PropagationMetrics): void {
    // Reset first, so a removed Cluster's series disappear.
    m.clusterReady.reset();
    m.propagationQueueDepth.reset();
    m.propagationObjects.reset();
    for (const v of this.registry.views()) m.clusterReady.set({ cluster: v.name }, v.ready ? 1 : 0);
    for (const s of this.stats()) {
      m.propagationQueueDepth.set({ cluster: s.cluster }, s.queued);
      m.propagationObjects.set({ cluster: s.cluster, state: 'desired' }, s.desired);
      m.propagationObjects.set({ cluster: s.cluster, state: 'applied' }, s.applied);
      m.propagationObjects.set({ cluster: s.cluster, state: 'failed' }, s.failed);
    }
  }

  get members(): MemberClusters {
    return this.registry;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.registry.onChange((change) => {
      if (!change.ready) this.workers.get(change.cluster)?.setReady(false);
      this.kick();
    });
    const from = await this.hub.load();
    await this.registry.start();
    await this.syncWorkers();
    this.following = this.follow(from);
    const resyncMs = this.o.resyncMs ?? 300_000;
    // Level-triggered safety net: recompute everything now and then, even without events.
    this.resyncTimer = setInterval(() => this.kick(), resyncMs);
    this.resyncTimer.unref();
    this.heapTrim.start();
    this.kick();
    this.log.info(
      { objects: this.hub.size, clusters: this.registry.names() },
      'propagation started',
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.reconcileTimer);
    clearInterval(this.resyncTimer);
    this.heapTrim.stop();
    this.unsubscribe?.();
    this.unhookMetrics?.();
    await this.following;
    await this.draining;
    await this.reconciling;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    await this.status.stop();
    await this.registry.stop();
  }

  private async gate(cluster: string): Promise<void> {
    const w = this.workers.get(cluster);
    if (w) await w.whenSynced(this.o.gateTimeoutMs ?? 15_000);
  }

  /** Reads the store's change stream, in batches, into the hub state. */
  private async follow(from: string): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        // Only kinds hub.apply keeps: the rest (e.g. RecoveryRuns) is skipped undecoded.
        for await (const ev of this.o.store.watch(signal, from, isFollowed)) {
          failures = 0;
          from = ev.id;
          this.pending.push(ev);
          if (this.pending.length === 1) this.draining = this.draining.then(() => this.drain());
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const delay = backoffMs(++failures, 1000, 30_000);
        this.log.warn(
          { err, retryInMs: delay },
          'lost the store change stream; reloading the hub state',
        );
        await new Promise((r) => setTimeout(r, delay));
        try {
          from = await this.hub.load();
          this.kick();
        } catch (loadErr) {
          this.log.warn({ err: loadErr }, 'hub state not reloaded');
        }
      }
    }
  }

  private async drain(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      if (await this.hub.apply(batch)) this.kick();
    } catch (err) {
      this.log.warn({ err }, 'store changes not read; reconciling from a full reload');
      await this.hub.load().then(
        () => this.kick(),
        () => undefined,
      );
    }
  }

  /**
   * Schedules a reconcile: at once when the last one ended more than the window ago (a
   * failover's patch after a quiet spell should not wait), otherwise when the window
   * since the last one ends, so a burst of changes still shares one reconcile per window.
   */
  private kick(): void {
    if (this.abort.signal.aborted || this.reconcileTimer) return;
    const wait = Math.max(0, this.lastReconcileEnd + (this.o.debounceMs ?? 50) - Date.now());
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = undefined;
      this.reconciling = this.reconciling.then(() => this.reconcile());
    }, wait);
  }

  private async syncWorkers(): Promise<void> {
    const names = new Set(this.registry.names());
    for (const [name, w] of this.workers) {
      if (names.has(name)) continue;
      this.workers.delete(name);
      // The Cluster object is gone: stop, keep its inventory (re-registering resumes pruning).
      await w.stop();
    }
    for (const name of names) {
      if (this.workers.has(name)) continue;
      const inventory = new Inventory(this.o.redis, this.o.store.prefix, name, (err) =>
        this.log.warn({ err, cluster: name }, 'inventory not written; retrying'),
      );
      await inventory.load();
      this.workers.set(
        name,
        new ClusterWorker({
          cluster: name,
          registry: this.registry,
          inventory,
          status: this.status,
          logger: this.log,
          concurrency: this.o.concurrency ?? 16,
          resyncMs: this.o.resyncMs ?? 300_000,
          objectBackoff: this.o.objectBackoff ?? { minMs: 1_000, maxMs: 300_000 },
          metrics: this.o.metrics,
          onWork: () => this.heapTrim.did(),
        }),
      );
    }
  }

  private async reconcile(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const stopTimer = this.o.metrics?.propagationReconcileDuration.startTimer();
    try {
      await this.syncWorkers();
      const views = this.registry.views();
      const previous = this.desired;
      const next = this.builder.build(this.hub, views, this.registry.kubeconfigSecrets());
      this.desired = next;
      for (const [name, w] of this.workers) {
        w.setDesired(
          next.byCluster.get(name) ?? new Map<string, DesiredCopy>(),
          next.ready.has(name) && this.registry.isReady(name),
        );
      }
      // A placement that moved composes its hub status again (e.g. one cluster → several).
      for (const [id, clusters] of next.placedOn) {
        if (previous?.placedOn.get(id)?.join() !== clusters.join())
          this.status.placementChanged(id);
      }
      stopTimer?.();
    } catch (err) {
      this.log.error({ err }, 'reconcile failed; retrying');
      setTimeout(() => this.kick(), 1000).unref();
    } finally {
      this.lastReconcileEnd = Date.now();
    }
  }

  placements(): PlacementRecord[] {
    const d = this.desired;
    if (!d) return [];
    return d.placements.map((p) => {
      const { id, clusters, ...rest } = p;
      return {
        ...rest,
        clusters: clusters.map((c) => {
          const w = this.workers.get(c.cluster);
          const state: CopyStatus = w ? w.copyStatus(id) : { state: 'Pending' };
          return { ...c, ...state };
        }),
      };
    });
  }

  stats(): ClusterSyncStats[] {
    return [...this.workers.values()].map((w) => ({ cluster: w.cluster, ...w.stats() }));
  }
}
