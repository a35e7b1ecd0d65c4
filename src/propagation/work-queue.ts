/**
 * A per-cluster queue of object ids to reconcile, in three priorities, each id at most
 * once. Level-triggered: an entry says only "look at this object again"; what to do is
 * decided when it is taken. An id added while it is being worked on runs again after.
 */

/** 0: fencing and drift (changed desired state); 1: confirm unchanged state; 2: prune. */
export type Priority = 0 | 1 | 2;

export const URGENT: Priority = 0;
export const ROUTINE: Priority = 1;
export const PRUNE: Priority = 2;

export class WorkQueue {
  private readonly levels: [Set<string>, Set<string>, Set<string>] = [
    new Set(),
    new Set(),
    new Set(),
  ];
  private readonly running = new Set<string>();
  private readonly again = new Map<string, Priority>();

  /** Queues `id` (or raises its priority if queued lower). */
  add(id: string, priority: Priority): void {
    if (this.running.has(id)) {
      const prev = this.again.get(id);
      if (prev === undefined || priority < prev) this.again.set(id, priority);
      return;
    }
    for (let p = 0; p < 3; p++) {
      const level = this.levels[p as Priority];
      if (!level.has(id)) continue;
      if (p <= priority) return;
      level.delete(id);
      break;
    }
    this.levels[priority].add(id);
  }

  /** The next id by priority, then insertion order; marks it running. */
  take(): string | undefined {
    for (const level of this.levels) {
      const first = level.values().next();
      if (first.done) continue;
      level.delete(first.value);
      this.running.add(first.value);
      return first.value;
    }
    return undefined;
  }

  /** Marks `id` finished; requeues it if it was added meanwhile. */
  done(id: string): void {
    this.running.delete(id);
    const p = this.again.get(id);
    if (p !== undefined) {
      this.again.delete(id);
      this.add(id, p);
    }
  }

  /** Queued at priority `p` or more urgent, or running. */
  pendingUpTo(p: Priority): number {
    let n = this.running.size + this.again.size;
    for (let i = 0; i <= p; i++) n += this.levels[i as Priority].size;
    return n;
  }

  /** True when `id` is queued or running. */
  has(id: string): boolean {
    return this.running.has(id) || this.levels.some((l) => l.has(id));
  }

  get queued(): number {
    return this.levels[0].size + this.levels[1].size + this.levels[2].size;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Drops everything queued (running ids finish; they are not requeued). */
  clear(): void {
    for (const l of this.levels) l.clear();
    this.again.clear();
  }
}
