/**
 * Keeps one member cluster at its desired state: applies, prunes, corrects drift and
 * feeds member status back, with bounded concurrency.
 *
 * Phases:
 * - `down`: the cluster is NotReady. Nothing is sent; nothing is pruned (its desired
 *   state is unknown while the scheduler places nothing there).
 * - `syncing`: the cluster is Ready again (or for the first time). Every desired object
 *   is applied — those whose desired state changed while it was away FIRST — before
 *   anything else touches the cluster: no prune, no watch, and recovery steps addressed
 *   to it wait at the gate ({@link whenSynced}). This is the fencing path: a Percona
 *   cluster demoted on the hub while its cluster was dead is demoted there as soon as
 *   the cluster answers, before it can act as a primary.
 * - `ready`: changes are applied as they come (unchanged copies skipped by hash), one
 *   {@link Observer} per kind reports live objects (drift by hand is re-applied at once,
 *   status is synced), and objects no longer placed here are pruned.
 *
 * A cluster that stops answering sends the worker back to `down` (the registry is told
 * at once). An object the cluster refuses (4xx) is retried with its own backoff and
 * never holds up the others.
 */
import type { Logger } from 'pino';
import type { ClusterClient } from '../clusters/client.js';
import { backoffMs } from '../clusters/health.js';
import { MemberClusterError } from '../clusters/member-clusters.js';
import type { ClusterRegistry } from '../clusters/registry.js';
import { errorFromFailure, isTransient, isUnreachable } from '../clusters/status-errors.js';
import type { PropagationMetrics } from '../observability/metrics.js';
import { kindKey, splitApiVersion } from '../resources/kinds.js';
import type { KubeObject } from '../resources/meta.js';
import type { Inventory } from './inventory.js';
import { isManaged, objectId, ownedFieldsHash, type DesiredCopy } from './manifest.js';
import { Observer } from './observer.js';
import type { StatusSync } from './status-sync.js';
import { PRUNE, ROUTINE, URGENT, WorkQueue, type Priority } from './work-queue.js';

export type WorkerPhase = 'down' | 'syncing' | 'ready';

/** How one copy stands in its cluster. */
export type CopyState = 'Applied' | 'Pending' | 'Failed' | 'Unreachable';

export interface CopyStatus {
  state: CopyState;
  /** Failed: the cluster's answer. Unreachable: why the cluster is NotReady. */
  error?: { code: number; reason: string; message: string };
}

export interface WorkerOptions {
  cluster: string;
  registry: ClusterRegistry;
  inventory: Inventory;
  status: StatusSync;
  logger: Logger;
  /** Requests in flight to this cluster. */
  concurrency: number;
  /** Period of the full list of every followed kind. */
  resyncMs: number;
  /** Backoff of an object the cluster refused. */
  objectBackoff: { minMs: number; maxMs: number };
  metrics?: PropagationMetrics | undefined;
  /** Called after every apply or prune request (the heap trim counts them). */
  onWork?: () => void;
}

/** The worker's metric children, bound to its cluster label once (no label hashing per apply). */
interface WorkerMetrics {
  applied: { inc(): void };
  refused: { inc(): void };
  error: { inc(): void };
  unreachable: { inc(): void };
  applyDuration: { startTimer(): () => unknown };
  prunes: { inc(): void };
  drift: (cause: 'changed' | 'deleted' | 'missing') => void;
  resync: { observe(seconds: number): void };
  catchUp: { observe(seconds: number): void };
}

const NO_OP = { inc: () => undefined, observe: () => undefined, startTimer: () => () => undefined };

function bindMetrics(m: PropagationMetrics | undefined, cluster: string): WorkerMetrics {
  if (!m)
    return {
      applied: NO_OP,
      refused: NO_OP,
      error: NO_OP,
      unreachable: NO_OP,
      applyDuration: NO_OP,
      prunes: NO_OP,
      drift: () => undefined,
      resync: NO_OP,
      catchUp: NO_OP,
    };
  const drift = {
    changed: m.propagationDrift.labels(cluster, 'changed'),
    deleted: m.propagationDrift.labels(cluster, 'deleted'),
    missing: m.propagationDrift.labels(cluster, 'missing'),
  };
  // Every series exists from the start at 0: "nothing yet" reads differently from "no data".
  for (const result of ['applied', 'refused', 'error', 'unreachable'])
    m.propagationApplies.inc({ cluster, result }, 0);
  m.propagationPrunes.inc({ cluster }, 0);
  for (const cause of ['changed', 'deleted', 'missing'])
    m.propagationDrift.inc({ cluster, cause }, 0);
  return {
    applied: m.propagationApplies.labels(cluster, 'applied'),
    refused: m.propagationApplies.labels(cluster, 'refused'),
    error: m.propagationApplies.labels(cluster, 'error'),
    unreachable: m.propagationApplies.labels(cluster, 'unreachable'),
    applyDuration: m.propagationApplyDuration.labels(cluster),
    prunes: m.propagationPrunes.labels(cluster),
    drift: (cause) => drift[cause].inc(),
    resync: m.propagationResyncDuration.labels(cluster),
    catchUp: m.propagationCatchUpDuration.labels(cluster),
  };
}

interface Failure {
  error: MemberClusterError;
  /** Hash of the desired copy that was refused ('' for a prune). */
  hash: string;
  attempts: number;
  timer?: NodeJS.Timeout;
}

function kindOf(apiVersion: string, kind: string): string {
  return kindKey(splitApiVersion(apiVersion).group, kind);
}

/** Namespaces, then CRDs, then everything else: what others may need exists first. */
function applyOrder(copy: DesiredCopy): number {
  if (copy.addr.kind === 'Namespace' && copy.addr.apiVersion === 'v1') return 0;
  if (copy.addr.kind === 'CustomResourceDefinition') return 1;
  return 2;
}

export class ClusterWorker {
  phase: WorkerPhase = 'down';
  private desired = new Map<string, DesiredCopy>();
  private readonly queue = new WorkQueue();
  /** Applied even when the inventory says the same hash is there (catch-up, drift). */
  private readonly forced = new Set<string>();
  /** Ids that must be tried before the cluster counts as synced. */
  private catchUp = new Set<string>();
  private readonly failures = new Map<string, Failure>();
  private readonly observers = new Map<string, Observer>();
  private waiters: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] =
    [];
  private active = 0;
  /** Bumped whenever the cluster goes down: work from an older session is dropped. */
  private session = 0;
  private client: ClusterClient | undefined;
  private stopped = false;
  /** When the current catch-up began (performance.now()), for its duration metric. */
  private catchUpSince = 0;
  private readonly log: Logger;
  private readonly metrics: WorkerMetrics;

  constructor(private readonly o: WorkerOptions) {
    this.log = o.logger.child({ cluster: o.cluster });
    this.metrics = bindMetrics(o.metrics, o.cluster);
  }

  get cluster(): string {
    return this.o.cluster;
  }

  /**
   * The desired state for this cluster. `computedReady`: the scheduler saw this cluster
   * Ready when it computed it; otherwise it is ignored (it places nothing on NotReady
   * clusters, and acting on that would prune everything).
   */
  setDesired(next: Map<string, DesiredCopy>, computedReady: boolean): void {
    if (this.stopped || !computedReady) return;
    const previous = this.desired;
    this.desired = next;
    if (this.phase === 'down') {
      if (this.o.registry.isReady(this.o.cluster)) void this.beginCatchUp();
      return;
    }
    // Only what differs from the last successful apply; a refused copy waits for its
    // backoff unless its desired state changed.
    const fresh: DesiredCopy[] = [];
    for (const [id, copy] of next) {
      if (this.o.inventory.get(id)?.hash === copy.hash) {
        // A new copy object with the bytes already in place (e.g. made again because
        // another cluster turned Ready): count it as applied here, so the copy can drop
        // its body once the clusters that still need it have applied it.
        if (previous.get(id) !== copy && !this.forced.has(id)) copy.applied();
        continue;
      }
      if (this.failures.get(id)?.hash === copy.hash) continue;
      fresh.push(copy);
    }
    fresh.sort((a, b) => applyOrder(a) - applyOrder(b));
    void this.enqueueApplies(fresh, URGENT);
    if (this.phase === 'ready') {
      for (const id of this.o.inventory.ids()) if (!next.has(id)) this.queue.add(id, PRUNE);
      this.followKinds();
    }
    this.pump();
  }

  /** The registry's readiness of this cluster. Going down stops everything at once. */
  setReady(ready: boolean): void {
    if (ready || this.phase === 'down') return;
    this.goDown();
  }

  private goDown(): void {
    this.phase = 'down';
    this.session++;
    this.queue.clear();
    this.forced.clear();
    this.catchUp.clear();
    for (const f of this.failures.values()) clearTimeout(f.timer);
    void this.stopObservers();
  }

  private async beginCatchUp(): Promise<void> {
    const client = this.o.registry.client(this.o.cluster);
    if (!client || this.phase !== 'down') return;
    this.client = client;
    this.phase = 'syncing';
    this.catchUpSince = performance.now();
    const session = this.session;
    const copies = [...this.desired.values()];
    // Changed while away first (the fencing patches), then confirm everything else.
    const changed = copies.filter((c) => this.o.inventory.get(c.id)?.hash !== c.hash);
    const unchanged = copies.filter((c) => this.o.inventory.get(c.id)?.hash === c.hash);
    changed.sort((a, b) => applyOrder(a) - applyOrder(b));
    unchanged.sort((a, b) => applyOrder(a) - applyOrder(b));
    this.log.info(
      { changed: changed.length, unchanged: unchanged.length },
      'cluster is Ready: re-applying desired state before anything else',
    );
    this.catchUp = new Set(copies.map((c) => c.id));
    for (const c of copies) this.forced.add(c.id);
    await this.enqueueApplies(changed, URGENT);
    if (session !== this.session) return;
    await this.enqueueApplies(unchanged, ROUTINE);
    if (session !== this.session) return;
    if (this.catchUp.size === 0) this.finishCatchUp();
    this.pump();
  }

  private finishCatchUp(): void {
    if (this.phase !== 'syncing') return;
    this.phase = 'ready';
    this.metrics.catchUp.observe((performance.now() - this.catchUpSince) / 1000);
    this.log.info('desired state re-applied; cluster is open for everything else');
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = [];
    for (const id of this.o.inventory.ids()) if (!this.desired.has(id)) this.queue.add(id, PRUNE);
    this.followKinds();
    this.pump();
  }

  /** Records first-time objects durably, then queues them. */
  private async enqueueApplies(copies: readonly DesiredCopy[], priority: Priority): Promise<void> {
    if (copies.length === 0) return;
    const session = this.session;
    try {
      await this.o.inventory.intend(copies.map((c) => ({ id: c.id, addr: c.addr })));
    } catch (err) {
      // Without the record an apply could leave an orphan: wait for Redis, then go on.
      this.log.warn({ err }, 'inventory not written (Redis); applies postponed by 1 s');
      await new Promise((r) => setTimeout(r, 1000));
      if (session === this.session && !this.stopped) await this.enqueueApplies(copies, priority);
      return;
    }
    if (session !== this.session) return;
    for (const c of copies) this.queue.add(c.id, priority);
    this.pump();
  }

  /** Resolves once the cluster is synced; rejects with 503 after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<void> {
    if (this.phase === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        const cond = this.o.registry.condition(this.o.cluster);
        const why =
          this.phase === 'syncing'
            ? 'lifeboat is still re-applying its desired state there'
            : `it is NotReady (${cond?.reason ?? 'Unknown'}: ${cond?.message ?? 'not probed yet'})`;
        reject(
          new MemberClusterError(this.o.cluster, 503, 'ClusterNotSynced', `${why}; retry later`),
        );
      }, timeoutMs);
      timer.unref();
      this.waiters.push({ resolve, reject, timer });
    });
  }

  private pump(): void {
    while (!this.stopped && this.phase !== 'down' && this.active < this.o.concurrency) {
      const id = this.queue.take();
      if (id === undefined) return;
      this.active++;
      const session = this.session;
      void this.run(id, session).finally(() => {
        this.o.onWork?.();
        this.active--;
        this.queue.done(id);
        if (session === this.session && this.phase === 'syncing' && this.catchUp.size === 0)
          this.finishCatchUp();
        this.pump();
      });
    }
  }

  private async run(id: string, session: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      const copy = this.desired.get(id);
      if (copy) await this.applyOne(client, copy, session);
      else if (this.o.inventory.has(id)) await this.pruneOne(client, id, session);
      if (session !== this.session) return;
      this.clearFailure(id);
      this.catchUp.delete(id);
    } catch (err) {
      if (session !== this.session) return;
      const e = errorFromFailure(this.o.cluster, err, 'request');
      if (isUnreachable(e)) {
        // Nothing is lost: coming back re-applies everything, this object included.
        this.log.warn({ err: e.message }, 'member cluster stopped answering');
        this.o.registry.markUnreachable(this.o.cluster, e);
        this.goDown();
        return;
      }
      this.fail(id, e);
      this.catchUp.delete(id);
    }
  }

  private async applyOne(client: ClusterClient, copy: DesiredCopy, session: number): Promise<void> {
    const inv = this.o.inventory.get(copy.id);
    if (!this.forced.has(copy.id) && inv?.hash === copy.hash && !this.failures.has(copy.id)) return;
    this.forced.delete(copy.id);
    const stopTimer = this.metrics.applyDuration.startTimer();
    let live: KubeObject;
    try {
      live = await this.send(client, copy);
    } catch (err) {
      stopTimer();
      this.countFailure(err);
      throw err;
    }
    stopTimer();
    this.metrics.applied.inc();
    copy.applied();
    if (session !== this.session) return;
    this.o.inventory.applied(copy.id, copy.addr, copy.hash, ownedFieldsHash(live));
    this.o.status.observe(this.o.cluster, copy.id, live);
  }

  /** The apply itself: the namespace first if needed, the copy's body as it was hashed. */
  private async send(client: ClusterClient, copy: DesiredCopy): Promise<KubeObject> {
    const ns = copy.addr.namespace;
    if (ns && applyOrder(copy) !== 0) await client.ensureNamespace(ns);
    try {
      return await client.apply(copy.addr, copy.body());
    } catch (err) {
      // The namespace was deleted by hand since we last saw it: make it again, once.
      if (
        !(err instanceof MemberClusterError) ||
        err.code !== 404 ||
        !ns ||
        !/namespaces? "/.test(err.message)
      )
        throw err;
      client.forgetNamespace(ns);
      await client.ensureNamespace(ns);
      return await client.apply(copy.addr, copy.body());
    }
  }

  private countFailure(err: unknown): void {
    const e = errorFromFailure(this.o.cluster, err, 'apply');
    if (isUnreachable(e)) this.metrics.unreachable.inc();
    else if (isTransient(e)) this.metrics.error.inc();
    else this.metrics.refused.inc();
  }

  private async pruneOne(client: ClusterClient, id: string, session: number): Promise<void> {
    const inv = this.o.inventory.get(id);
    if (!inv) return;
    // Deleting a namespace deletes everything in it, lifeboat's or not: never done.
    if (inv.addr.kind === 'Namespace' && inv.addr.apiVersion === 'v1') {
      this.o.inventory.forget(id);
      return;
    }
    let live: KubeObject | undefined;
    try {
      live = await client.get(inv.addr);
    } catch (err) {
      if (err instanceof MemberClusterError && err.reason === 'KindNotFound') live = undefined;
      else throw err;
    }
    if (session !== this.session) return;
    if (live && isManaged(live)) {
      await client.delete(inv.addr, live.metadata.uid);
      this.metrics.prunes.inc();
      this.log.info({ object: id }, 'pruned: no longer placed on this cluster');
    }
    if (session !== this.session) return;
    this.o.inventory.forget(id);
    this.o.status.forget(this.o.cluster, id);
  }

  private fail(id: string, error: MemberClusterError): void {
    const hash = this.desired.get(id)?.hash ?? '';
    const f = this.failures.get(id) ?? { error, hash, attempts: 0 };
    clearTimeout(f.timer);
    if (f.hash !== hash) f.attempts = 0;
    f.error = error;
    f.hash = hash;
    f.attempts++;
    // 429/5xx for one object: retry soon; 4xx: the object must change, retry slowly.
    const delay = isTransient(error)
      ? backoffMs(f.attempts, 500, 10_000)
      : backoffMs(f.attempts, this.o.objectBackoff.minMs, this.o.objectBackoff.maxMs);
    f.timer = setTimeout(() => {
      f.timer = undefined;
      if (this.phase !== 'down') {
        this.queue.add(id, URGENT);
        this.pump();
      }
    }, delay);
    f.timer.unref();
    this.failures.set(id, f);
    if (f.attempts === 1 || f.attempts % 10 === 0) {
      this.log.warn(
        {
          object: id,
          code: error.code,
          reason: error.reason,
          err: error.message,
          retryInMs: delay,
        },
        'member cluster refused an object',
      );
    }
  }

  private clearFailure(id: string): void {
    const f = this.failures.get(id);
    if (!f) return;
    clearTimeout(f.timer);
    this.failures.delete(id);
  }

  // --- observing ---

  /** Starts an observer per kind placed here or in the inventory; stops the others. */
  private followKinds(): void {
    if (this.phase !== 'ready' || !this.client) return;
    const wanted = new Map<string, { apiVersion: string; kind: string }>();
    for (const c of this.desired.values())
      wanted.set(kindOf(c.addr.apiVersion, c.addr.kind), c.addr);
    for (const id of this.o.inventory.ids()) {
      const addr = this.o.inventory.get(id)?.addr;
      if (addr) {
        const k = kindOf(addr.apiVersion, addr.kind);
        if (!wanted.has(k)) wanted.set(k, addr);
      }
    }
    for (const [k, obs] of this.observers) {
      if (!wanted.has(k)) {
        this.observers.delete(k);
        void obs.stop();
      }
    }
    const client = this.client;
    for (const [k, addr] of wanted) {
      if (this.observers.has(k)) continue;
      const obs = new Observer(
        client,
        addr.apiVersion,
        addr.kind,
        {
          seen: (live) => this.seen(live),
          deleted: (id) => this.deleted(id),
          listed: (ids, seconds) => {
            this.metrics.resync.observe(seconds);
            this.listed(k, ids);
          },
          unreachable: (e) => {
            if (this.phase === 'down') return;
            this.o.registry.markUnreachable(this.o.cluster, e);
            this.goDown();
          },
        },
        this.o.resyncMs,
        this.log,
      );
      this.observers.set(k, obs);
      obs.start();
    }
  }

  private async stopObservers(): Promise<void> {
    const all = [...this.observers.values()];
    this.observers.clear();
    await Promise.all(all.map((o) => o.stop()));
  }

  /** A live object: its status goes to the hub; drift by hand is re-applied now. */
  private seen(live: KubeObject): void {
    if (this.phase !== 'ready') return;
    const id = objectId(live);
    const copy = this.desired.get(id);
    if (!copy) {
      if (this.o.inventory.has(id)) this.queue.add(id, PRUNE);
      this.pump();
      return;
    }
    this.o.status.observe(this.o.cluster, id, live);
    const inv = this.o.inventory.get(id);
    if (!inv || inv.hash !== copy.hash || live.metadata.deletionTimestamp) return; // an apply is due anyway
    if (ownedFieldsHash(live) !== inv.owned) {
      this.log.info(
        { object: id },
        'drift: fields lifeboat applied were changed in the cluster; re-applying',
      );
      this.metrics.drift('changed');
      this.forced.add(id);
      this.queue.add(id, URGENT);
      this.pump();
    }
  }

  private deleted(id: string): void {
    if (this.phase !== 'ready') return;
    this.o.status.forget(this.o.cluster, id);
    if (!this.desired.has(id)) return;
    this.log.info({ object: id }, 'drift: deleted in the cluster; applying it again');
    this.metrics.drift('deleted');
    this.forced.add(id);
    this.queue.add(id, URGENT);
    this.pump();
  }

  /** After a full list of one kind: re-create what is missing, prune what is left over. */
  private listed(kind: string, ids: ReadonlySet<string>): void {
    if (this.phase !== 'ready') return;
    for (const [id, copy] of this.desired) {
      if (
        kindOf(copy.addr.apiVersion, copy.addr.kind) !== kind ||
        ids.has(id) ||
        this.queue.has(id)
      )
        continue;
      if (this.o.inventory.get(id)?.hash !== copy.hash) continue; // not applied yet: queued already
      this.metrics.drift('missing');
      this.forced.add(id);
      this.queue.add(id, URGENT);
    }
    for (const id of ids)
      if (!this.desired.has(id) && this.o.inventory.has(id)) this.queue.add(id, PRUNE);
    this.pump();
  }

  // --- reporting ---

  /** How the copy `id` stands here. */
  copyStatus(id: string): CopyStatus {
    if (this.phase === 'down') {
      const cond = this.o.registry.condition(this.o.cluster);
      return {
        state: 'Unreachable',
        error: {
          code: 0,
          reason: cond?.reason ?? 'Unknown',
          message: cond?.message ?? 'not probed yet',
        },
      };
    }
    const f = this.failures.get(id);
    if (f)
      return {
        state: 'Failed',
        error: { code: f.error.code, reason: f.error.reason, message: f.error.message },
      };
    const copy = this.desired.get(id);
    if (copy && this.o.inventory.get(id)?.hash === copy.hash && !this.queue.has(id))
      return { state: 'Applied' };
    return { state: 'Pending' };
  }

  /** Objects queued or in flight (cheap: no walk over the desired state). */
  get pending(): number {
    return this.queue.queued + this.queue.inFlight;
  }

  /** Counts for logs, tests and the bench. */
  stats(): {
    phase: WorkerPhase;
    desired: number;
    applied: number;
    failed: number;
    queued: number;
    inFlight: number;
  } {
    let applied = 0;
    // forEach, not for-of over entries: no [id, copy] pair per object on every poll.
    this.desired.forEach((copy, id) => {
      if (this.o.inventory.get(id)?.hash === copy.hash) applied++;
    });
    return {
      phase: this.phase,
      desired: this.desired.size,
      applied,
      failed: this.failures.size,
      queued: this.queue.queued,
      inFlight: this.queue.inFlight,
    };
  }

  /** Stops everything; running requests finish (their results are dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.session++;
    this.queue.clear();
    for (const f of this.failures.values()) clearTimeout(f.timer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(
        new MemberClusterError(this.o.cluster, 503, 'ShuttingDown', 'lifeboat is shutting down'),
      );
    }
    this.waiters = [];
    await this.stopObservers();
    await this.o.inventory.close();
  }
}
