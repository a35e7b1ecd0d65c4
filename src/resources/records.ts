/**
 * RecoveryRun and ReceivedAlert (recovery.elotl.co/v1alpha1): records lifeboat writes.
 * Users read them; only lifeboat creates them, so their schemas describe, not police.
 * docs/recovery.md shows both as they come back from the API.
 */
import type { ObjectMeta } from './meta.js';

export type RunPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
export type StepState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped';

export const FINAL_PHASES: ReadonlySet<RunPhase> = new Set(['Succeeded', 'Failed']);

/** Label on every RecoveryRun naming its plan (when the name fits a label value). */
export const PLAN_LABEL = 'recovery.elotl.co/plan';

export interface StepStatus {
  index: number;
  type: string;
  name?: string;
  /** One line saying what the step acts on, e.g. `perconapgclusters psql-operator/cluster1 spec.standby.enabled`. */
  summary: string;
  state: StepState;
  /** How many times the step was started; more than 1 only after a crash or a transient error. */
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** What the step did, rendered, with secrets redacted. */
  action?: unknown;
  output?: unknown;
  error?: string;
  /** Dry runs: the field before and after. */
  before?: unknown;
  after?: unknown;
}

export interface RunTrigger {
  /** `alert` for webhook runs, `manual` for API/CLI runs. */
  type: 'alert' | 'manual';
  /** The ReceivedAlert record of the delivery that started the run. */
  alert?: string;
  fingerprint?: string;
  startsAt?: string;
  alertStatus?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  /** `plan|fingerprint|startsAt[|resolved]`: the key that makes alert runs exactly-once. */
  idempotencyKey?: string;
  /** The token name that sent the alert or started the run. */
  caller?: string;
}

export interface RecoveryRunSpec {
  plan: string;
  planGeneration?: number;
  planResourceVersion?: string;
  dryRun: boolean;
  trigger: RunTrigger;
}

export interface RecoveryRunStatus {
  phase: RunPhase;
  /** How many times a worker took the run up; more than 1 after a crash or a transient error. */
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  steps: StepStatus[];
  /** readField outputs, secrets redacted. */
  outputs: Record<string, unknown>;
  message?: string;
}

export interface RecoveryRun {
  apiVersion: 'recovery.elotl.co/v1alpha1';
  kind: 'RecoveryRun';
  metadata: ObjectMeta;
  spec: RecoveryRunSpec;
  status: RecoveryRunStatus;
}

export interface ReceivedAlertSpec {
  fingerprint: string;
  /** True when the sender gave no fingerprint and lifeboat computed Alertmanager's from the labels. */
  fingerprintComputed: boolean;
  status: 'firing' | 'resolved';
  startsAt: string;
  /** False when the sender gave no startsAt and lifeboat used the time of receipt. */
  startsAtGiven: boolean;
  endsAt?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receiver?: string;
  groupKey?: string;
  generatorURL?: string;
  /** The token name that delivered it. */
  sender: string;
}

/** What one matching plan did with the alert. */
export type MatchOutcome = 'RunStarted' | 'Duplicate' | 'Suppressed' | 'Recorded';

export interface AlertMatch {
  plan: string;
  outcome: MatchOutcome;
  /** The run started, the run this duplicates, or the run that suppressed it. */
  run?: string;
  /** Why nothing started: the active run or the cooldown. */
  reason?: string;
}

export interface ReceivedAlertStatus {
  /** Nova's field: always true once lifeboat has answered the delivery. */
  processed: boolean;
  /** Summary over the matches: RunStarted if any started, else Duplicate, else Suppressed, else Recorded. */
  outcome: MatchOutcome | 'NoMatchingPlan';
  runs: string[];
  matches: AlertMatch[];
  receivedAt: string;
}

export interface ReceivedAlert {
  apiVersion: 'recovery.elotl.co/v1alpha1';
  kind: 'ReceivedAlert';
  metadata: ObjectMeta;
  spec: ReceivedAlertSpec;
  status: ReceivedAlertStatus;
}
