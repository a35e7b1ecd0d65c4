/**
 * Redis keys of the recovery engine, all under the installation's prefix. The object
 * keys (`objects:<kind>`, `rv`, `changes`, `generations`) are the store's own (see store/redis-store.ts):
 * the start script writes records in the same atomic step as the dedup decision, so it
 * must address them exactly as the store does.
 */
import { kindKey, RECOVERY_GROUP } from '../resources/kinds.js';

export const RUN_KIND = kindKey(RECOVERY_GROUP, 'RecoveryRun');
export const ALERT_KIND = kindKey(RECOVERY_GROUP, 'ReceivedAlert');
export const PLAN_KIND = kindKey(RECOVERY_GROUP, 'RecoveryPlan');

export interface RecoveryKeys {
  /** The store's resourceVersion counter. */
  rv: string;
  /** The store's change stream. */
  changes: string;
  /** The store's hash of kind → writes so far; one number tells whether a kind changed. */
  generations: string;
  /** The store's hash of every object of a kind. */
  objects(kind: string): string;
  /** Holds the name of the plan's run in progress; absent when none is. */
  active(plan: string): string;
  /** Present (with a TTL) while the plan is cooling down after a success: `run|until`. */
  cooldown(plan: string): string;
  /** Private per-run state: the plan's steps as of the start, unredacted outputs. */
  runState(run: string): string;
  /** Hash of runs not yet finished (run → plan); the sweeper makes sure each has a job. */
  unfinished: string;
  /** Sorted set of ReceivedAlert hash fields by received time (ms), for retention. */
  alertIndex: string;
  /** BullMQ's key prefix (it adds `:<queue>:…`). */
  bullPrefix: string;
}

export function recoveryKeys(prefix: string): RecoveryKeys {
  return {
    rv: `${prefix}rv`,
    changes: `${prefix}changes`,
    generations: `${prefix}generations`,
    objects: (kind) => `${prefix}objects:${kind}`,
    active: (plan) => `${prefix}recovery:active:${plan}`,
    cooldown: (plan) => `${prefix}recovery:cooldown:${plan}`,
    runState: (run) => `${prefix}recovery:run:${run}`,
    unfinished: `${prefix}recovery:unfinished`,
    alertIndex: `${prefix}recovery:alerts`,
    bullPrefix: `${prefix}bull`,
  };
}
