/**
 * RecoveryRun and ReceivedAlert (recovery.elotl.co/v1alpha1): records lifeboat writes.
 * Users read them; only lifeboat creates them, so their schemas describe, not police.
 */

export type RunPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
export type StepState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped';

export interface StepStatus {
  index: number;
  type: string;
  name?: string;
  state: StepState;
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
  alert?: string;
  fingerprint?: string;
  startsAt?: string;
  labels?: Record<string, string>;
  caller?: string;
}

export interface RecoveryRunSpec {
  plan: string;
  planGeneration?: number;
  dryRun: boolean;
  trigger: RunTrigger;
}

export interface RecoveryRunStatus {
  phase: RunPhase;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  steps: StepStatus[];
  outputs: Record<string, unknown>;
  message?: string;
}

export interface ReceivedAlertSpec {
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receiver?: string;
  generatorURL?: string;
}

export interface ReceivedAlertStatus {
  processed: boolean;
  /** What happened: started a run, duplicate, suppressed, no matching plan, recorded only. */
  outcome: 'RunStarted' | 'Duplicate' | 'Suppressed' | 'NoMatchingPlan' | 'Recorded';
  runs: string[];
  message?: string;
  receivedAt: string;
  deliveries: number;
}
