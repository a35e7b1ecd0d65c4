/** Builds RecoveryRun records and applies the state changes a run goes through (pure). */
import { RECOVERY_GROUP, NOVA_VERSION } from '../resources/kinds.js';
import type { RecoveryPlan } from '../resources/recovery-plan.js';
import {
  PLAN_LABEL,
  type RecoveryRun,
  type RunTrigger,
  type StepStatus,
} from '../resources/records.js';
import { labelValue } from '../resources/common-schemas.js';
import { newRecordMeta } from './run-store.js';
import { stepSummary } from './steps/index.js';

/** A Pending run of `plan`, every step Pending. */
export function newRunRecord(opts: {
  name: string;
  plan: RecoveryPlan;
  trigger: RunTrigger;
  dryRun: boolean;
  now: string;
}): RecoveryRun {
  const planName = opts.plan.metadata.name;
  const { generation, resourceVersion } = opts.plan.metadata;
  const labels = labelValue.safeParse(planName).success ? { [PLAN_LABEL]: planName } : undefined;
  return {
    apiVersion: `${RECOVERY_GROUP}/${NOVA_VERSION}`,
    kind: 'RecoveryRun',
    metadata: newRecordMeta(opts.name, opts.now, labels),
    spec: {
      plan: planName,
      ...(typeof generation === 'number' ? { planGeneration: generation } : {}),
      ...(typeof resourceVersion === 'string' ? { planResourceVersion: resourceVersion } : {}),
      dryRun: opts.dryRun,
      trigger: opts.trigger,
    },
    status: {
      phase: 'Pending',
      attempts: 0,
      steps: opts.plan.spec.steps.map((step, index): StepStatus => ({
        index,
        type: step.type,
        ...(step.name ? { name: step.name } : {}),
        summary: stepSummary(step),
        state: 'Pending',
        attempts: 0,
      })),
      outputs: {},
    },
  };
}

function ms(fromIso: string | undefined, to: Date): number | undefined {
  return fromIso === undefined ? undefined : Math.max(0, to.getTime() - Date.parse(fromIso));
}

/** Marks step `index` Failed (or the first unfinished one), the rest Skipped, and the run Failed. */
export function failRun(
  run: RecoveryRun,
  index: number | undefined,
  error: string,
  now: Date,
): void {
  const at = index ?? run.status.steps.findIndex((s) => s.state !== 'Succeeded');
  for (const s of run.status.steps) {
    if (s.index === at) {
      s.state = 'Failed';
      s.error = error;
      s.startedAt ??= now.toISOString();
      s.finishedAt = now.toISOString();
      s.durationMs = ms(s.startedAt, now) ?? 0;
    } else if (s.index > at && s.state !== 'Succeeded') s.state = 'Skipped';
  }
  const failed = run.status.steps[at];
  run.status.phase = 'Failed';
  run.status.message = failed
    ? `step ${at + 1} (${failed.type} ${failed.summary}) failed: ${error}`
    : error;
  run.status.finishedAt = now.toISOString();
  const d = ms(run.status.startedAt, now);
  if (d !== undefined) run.status.durationMs = d;
}

/** Marks the run Succeeded. */
export function succeedRun(run: RecoveryRun, now: Date): void {
  run.status.phase = 'Succeeded';
  run.status.message = `all ${run.status.steps.length} steps succeeded`;
  run.status.finishedAt = now.toISOString();
  const d = ms(run.status.startedAt, now);
  if (d !== undefined) run.status.durationMs = d;
}
