/**
 * The RecoveryPlans alerts are matched against, held in memory. Each read notes the plan
 * kind's generation (the store bumps it on every plan write); the start script compares
 * it and says when the plans are stale (see scripts.ts). Only then are plans read again,
 * and only the changed ones move: stored values start with their resourceVersion
 * (`<rv>|<json>`, see store/redis-store.ts), so one read-only script returns the
 * generation and the full value only of plans whose version differs from the cached one.
 */
import type { Redis } from 'ioredis';
import type { MatchablePlan } from '../alerts/match.js';
import type { RecoveryPlan } from '../resources/recovery-plan.js';

/**
 * KEYS[1] the plans hash, KEYS[2] kind generations; ARGV[1] the plan kind key, then the
 * cached `field|rv` pairs. Returns the generation, then field, value ("" if unchanged) pairs.
 */
const DELTA_SCRIPT = `
local known = {}
for i = 2, #ARGV do known[ARGV[i]] = true end
local all = redis.call('HGETALL', KEYS[1])
local out = {redis.call('HGET', KEYS[2], ARGV[1]) or '0'}
for i = 1, #all, 2 do
  local f, v = all[i], all[i + 1]
  local rv = string.match(v, '^(%d+)|') or ''
  out[#out + 1] = f
  if known[f .. '|' .. rv] then out[#out + 1] = '' else out[#out + 1] = v end
end
return out
`;

interface WithDelta {
  lifeboatPlanDelta(numKeys: number, ...args: string[]): Promise<string[]>;
}

/** Plans as of one read, and the plan kind's generation then, for the start script to check. */
export interface PlanSnapshot {
  plans: RecoveryPlan[];
  generation: string;
  /** Built once per read, not per alert: what matching needs, and plans by name. */
  matchable: MatchablePlan[];
  byName: Map<string, RecoveryPlan>;
}

/**
 * A snapshot is read again after this long even if the generation did not move: a plan
 * written by something that does not bump it (a lifeboat from before generations, during
 * a rolling upgrade) is then matched within seconds. The re-read moves only changed plans.
 */
export const PLAN_SNAPSHOT_MAX_AGE_MS = 5_000;

export class PlanCache {
  private cached = new Map<string, { rv: string; plan: RecoveryPlan }>();
  private snap: Promise<PlanSnapshot> | undefined;
  private snapAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly hashKey: string,
    private readonly generationsKey: string,
    private readonly kind: string,
  ) {
    if (!('lifeboatPlanDelta' in redis))
      redis.defineCommand('lifeboatPlanDelta', { lua: DELTA_SCRIPT });
  }

  /** The plans as last read (read now if never read or stale). */
  snapshot(): Promise<PlanSnapshot> {
    const now = Date.now();
    if (now - this.snapAt > PLAN_SNAPSHOT_MAX_AGE_MS) this.snap = undefined;
    if (!this.snap) this.snapAt = now;
    const snap = (this.snap ??= this.read());
    snap.catch(() => {
      if (this.snap === snap) this.snap = undefined;
    });
    return snap;
  }

  /** Marks the snapshot stale; the next snapshot() reads again. */
  invalidate(stale: Promise<PlanSnapshot>): void {
    if (this.snap === stale) this.snap = undefined;
  }

  private async read(): Promise<PlanSnapshot> {
    const known = [...this.cached].map(([field, c]) => `${field}|${c.rv}`);
    const res = await (this.redis as unknown as WithDelta).lifeboatPlanDelta(
      2,
      this.hashKey,
      this.generationsKey,
      this.kind,
      ...known,
    );
    const next = new Map<string, { rv: string; plan: RecoveryPlan }>();
    for (let i = 1; i + 1 < res.length; i += 2) {
      const field = res[i] ?? '';
      const raw = res[i + 1] ?? '';
      const hit = raw === '' ? this.cached.get(field) : undefined;
      if (hit) {
        next.set(field, hit);
        continue;
      }
      const bar = raw.indexOf('|');
      const rv = raw.slice(0, bar);
      const plan = JSON.parse(raw.slice(bar + 1)) as RecoveryPlan;
      plan.metadata.resourceVersion = rv;
      next.set(field, { rv, plan });
    }
    this.cached = next;
    const plans = [...next.values()].map((c) => c.plan);
    return {
      plans,
      generation: res[0] ?? '0',
      matchable: plans.map((p) => ({
        name: p.metadata.name,
        alertLabels: p.spec.alertLabels,
        runOnResolved: p.spec.runOnResolved,
      })),
      byName: new Map(plans.map((p) => [p.metadata.name, p])),
    };
  }
}
