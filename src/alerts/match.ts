/**
 * Which plans an alert triggers. A plan matches when every `alertLabels` pair is among
 * the alert's labels (the alert may carry more, e.g. `alertname`). A plan without
 * `alertLabels` never matches: it runs only by hand, so an empty selector cannot turn
 * every alert into a failover.
 */
import type { NormalizedAlert } from './payload.js';

/** What a plan needs for matching: its name and the two fields that decide. */
export interface MatchablePlan {
  name: string;
  alertLabels?: Record<string, string>;
  runOnResolved?: boolean;
}

export interface PlanMatch {
  plan: string;
  /** Start a run (firing, or resolved with runOnResolved), or only record the match. */
  action: 'run' | 'record';
}

export function labelsMatch(
  alertLabels: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  // Every alert is checked against every plan: stop at the first pair that differs.
  const keys = alertLabels ? Object.keys(alertLabels) : [];
  for (const k of keys)
    if (!Object.hasOwn(labels, k) || labels[k] !== alertLabels?.[k]) return false;
  return keys.length > 0;
}

/** The plans an alert matches, by name, with what to do for each. */
export function matchPlans(
  plans: readonly MatchablePlan[],
  alert: Pick<NormalizedAlert, 'labels' | 'status'>,
): PlanMatch[] {
  return plans
    .filter((p) => labelsMatch(p.alertLabels, alert.labels))
    .map((p): PlanMatch => ({
      plan: p.name,
      action: alert.status === 'firing' || p.runOnResolved === true ? 'run' : 'record',
    }))
    .sort((a, b) => (a.plan < b.plan ? -1 : a.plan > b.plan ? 1 : 0));
}
