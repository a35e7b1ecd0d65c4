/**
 * Status flows back: the hub copy of a placed object carries what its member copies
 * report.
 *
 * - Placed on ONE cluster: the hub object's `status` is that member's `status`, as is.
 * - Placed on SEVERAL: `status.clusters.<cluster>` holds each member's status
 *   (read one with a field path like `status.clusters['cluster-2'].readyReplicas`).
 *
 * Writes go through ResourceService.update without a generation bump, and only when the
 * composed status differs from the hub's; the hub state ignores status-only changes, so
 * this never feeds back into applies.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../resources/meta.js';
import { NotFoundError } from '../errors.js';
import type { ResourceService } from '../store/resource-service.js';
import { canonicalJson } from '../util/canonical-json.js';
import { storeKeyOfId } from './manifest.js';

/** The field under `status` that holds per-cluster statuses of multi-placement objects. */
export const CLUSTERS_STATUS_FIELD = 'clusters';

/**
 * The hub status for an object placed on `placedOn`, from the member statuses seen so
 * far (`undefined` entries: the member copy has no status). `undefined` when there is
 * nothing to report.
 */
export function composeStatus(
  placedOn: readonly string[],
  member: ReadonlyMap<string, unknown>,
): unknown {
  if (placedOn.length === 1) return member.get(placedOn[0] ?? '');
  const clusters: Record<string, unknown> = {};
  for (const c of placedOn) {
    const s = member.get(c);
    if (s !== undefined) clusters[c] = s;
  }
  return Object.keys(clusters).length === 0 ? undefined : { [CLUSTERS_STATUS_FIELD]: clusters };
}

const FLUSH_MS = 200;
const WRITERS = 8;

export class StatusSync {
  /** id → cluster → member status as canonical JSON ('' for none). */
  private readonly member = new Map<string, Map<string, string>>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly resources: ResourceService,
    private readonly placedOn: (id: string) => readonly string[] | undefined,
    /** Whether the hub object currently has a status (avoids writes that change nothing). */
    private readonly hubHasStatus: (id: string) => boolean,
    private readonly logger: Logger,
  ) {}

  /** Records what a member copy reports (from an apply answer, a list or a watch event). */
  observe(cluster: string, id: string, live: KubeObject): void {
    const text = live.status === undefined ? '' : canonicalJson(live.status);
    let byCluster = this.member.get(id);
    const before = byCluster?.get(cluster);
    if (before === text) return;
    // No status where none was known and the hub shows none: nothing to write (most
    // ConfigMaps, Secrets, ...), so keep no entry and make no store round trip.
    if (text === '' && !before && !this.hubHasStatus(id)) return;
    if (!byCluster) this.member.set(id, (byCluster = new Map<string, string>()));
    byCluster.set(cluster, text);
    this.touch(id);
  }

  /** The member copy is gone. */
  forget(cluster: string, id: string): void {
    const byCluster = this.member.get(id);
    if (!byCluster?.delete(cluster)) return;
    if (byCluster.size === 0) this.member.delete(id);
    this.touch(id);
  }

  /** The object's placement changed: its hub status is composed again, if any is known. */
  placementChanged(id: string): void {
    if (this.member.has(id)) this.touch(id);
  }

  private touch(id: string): void {
    if (this.stopped) return;
    this.dirty.add(id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.flush());
    }, FLUSH_MS);
  }

  private async flush(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (let i = 0; i < ids.length; i += WRITERS) {
      await Promise.all(ids.slice(i, i + WRITERS).map((id) => this.write(id)));
    }
  }

  private async write(id: string): Promise<void> {
    const placed = this.placedOn(id);
    const byCluster = this.member.get(id);
    if (!placed || placed.length === 0 || !byCluster || !placed.some((c) => byCluster.has(c)))
      return;
    const statuses = new Map<string, unknown>();
    for (const c of placed) {
      const text = byCluster.get(c);
      if (text) statuses.set(c, JSON.parse(text) as unknown);
    }
    const status = composeStatus(placed, statuses);
    const wanted = status === undefined ? '' : canonicalJson(status);
    try {
      await this.resources.update(storeKeyOfId(id), (cur) => {
        const have = cur.status === undefined ? '' : canonicalJson(cur.status);
        if (have === wanted) return undefined;
        const next = { ...cur };
        if (status === undefined) delete next.status;
        else next.status = status;
        return next;
      });
    } catch (err) {
      if (err instanceof NotFoundError) return; // deleted on the hub meanwhile
      this.logger.warn({ err, object: id }, 'status not written back to the hub; retrying');
      this.touch(id);
    }
  }

  /** Writes what is pending and stops. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.running.then(() => this.flush());
    await this.running;
    this.stopped = true;
  }
}
