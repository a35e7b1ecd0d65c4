/**
 * A member cluster's health as a Kubernetes-style `Ready` condition, and the schedule
 * of probes. Pure: the registry does the I/O.
 *
 * Conditions follow the Kubernetes convention: `lastTransitionTime` moves only when
 * `status` changes (True ↔ False ↔ Unknown), not when the reason or message does.
 */
import type { ClusterCondition } from '../resources/cluster.js';

/** What one probe (or building the client) found. */
export interface Observation {
  ready: boolean;
  /** CamelCase, e.g. `Reachable`, `Unreachable`, `Unauthorized`, `KubeconfigNotFound`. */
  reason: string;
  message: string;
}

/** The Ready condition after `observed`, keeping `previous.lastTransitionTime` when the status holds. */
export function nextCondition(
  previous: ClusterCondition | undefined,
  observed: Observation,
  now: Date,
): ClusterCondition {
  const status = observed.ready ? 'True' : 'False';
  const lastTransitionTime =
    previous !== undefined && previous.status === status
      ? previous.lastTransitionTime
      : now.toISOString();
  return {
    type: 'Ready',
    status,
    reason: observed.reason,
    message: observed.message,
    lastTransitionTime,
  };
}

/** The condition a cluster has before its first probe. */
export function unknownCondition(now: Date): ClusterCondition {
  return {
    type: 'Ready',
    status: 'Unknown',
    reason: 'Probing',
    message: 'lifeboat has not reached this cluster yet',
    lastTransitionTime: now.toISOString(),
  };
}

/** True when two conditions say the same thing (time included). */
export function sameCondition(a: ClusterCondition | undefined, b: ClusterCondition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}

/** Probe timing: steady while Ready, exponential backoff while not. */
export interface ProbeTiming {
  /** Between probes of a Ready cluster. */
  intervalMs: number;
  /** First retry of an unready cluster. */
  minBackoffMs: number;
  /** Longest wait between retries of an unready cluster. */
  maxBackoffMs: number;
}

export const DEFAULT_PROBE_TIMING: ProbeTiming = {
  intervalMs: 5_000,
  minBackoffMs: 250,
  maxBackoffMs: 5_000,
};

/**
 * Delay before the next try after `failures` consecutive failures (0 = healthy):
 * min · 2^(failures-1), capped at max.
 */
export function backoffMs(failures: number, minMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
}

/** When to probe next. */
export function nextProbeDelay(ready: boolean, failures: number, timing: ProbeTiming): number {
  return ready
    ? timing.intervalMs
    : backoffMs(Math.max(failures, 1), timing.minBackoffMs, timing.maxBackoffMs);
}
