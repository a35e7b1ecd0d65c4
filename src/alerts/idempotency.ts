/**
 * The idempotency key of a run: (plan, alert fingerprint, startsAt) — what Alertmanager's
 * documentation tells receivers to key on. Repeats, HA duplicates and retries of one
 * alert occurrence share it. A resolved notification of the same occurrence is a
 * different event (it can only start a run for plans with runOnResolved), so its key
 * carries the status. Run names are derived from the key, so the key *is* the name.
 */
import { hash } from 'node:crypto';

export interface Occurrence {
  fingerprint: string;
  startsAt: string;
  status: 'firing' | 'resolved';
}

/** The human-readable key, as recorded on the run: `plan|fingerprint|startsAt[|resolved]`. */
export function idempotencyKey(plan: string, o: Occurrence): string {
  return [plan, o.fingerprint, o.startsAt, ...(o.status === 'resolved' ? ['resolved'] : [])].join(
    '|',
  );
}

function shortHash(text: string, length: number): string {
  // One-shot crypto.hash: about a third of createHash().update().digest() per call, and
  // every matching alert delivery derives a run name.
  return hash('sha256', text, 'hex').slice(0, length);
}

/** Longest plan-name part in derived names, leaving room for a suffix within 253 characters. */
const MAX_PLAN_PART = 200;

/** A plan name cut to fit inside a derived name, still a valid RFC 1123 subdomain prefix. */
function planPart(plan: string): string {
  return plan.length <= MAX_PLAN_PART ? plan : plan.slice(0, MAX_PLAN_PART).replace(/[.-]+$/, '');
}

/** The RecoveryRun name for an alert occurrence: deterministic, so the name is the dedup key. */
export function alertRunName(plan: string, o: Occurrence): string {
  return `${planPart(plan)}-${shortHash(idempotencyKey(plan, o), 12)}`;
}

/** A RecoveryRun name for a manual run: unique, ordered by time within a plan. */
export function manualRunName(plan: string, now: Date, random: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `${planPart(plan)}-manual-${stamp}-${random}`;
}

/** A ReceivedAlert name for one delivery: grouped by fingerprint, ordered by arrival. */
export function receivedAlertName(
  fingerprint: string,
  receivedAtMs: number,
  random: string,
): string {
  const fp =
    fingerprint
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'alert';
  return `${fp}-${receivedAtMs}-${random}`;
}
