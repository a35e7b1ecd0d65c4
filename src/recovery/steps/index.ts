/** Runs one step of any type, and describes steps in one line for records and terminals. */
import type { RecoveryStep } from '../../resources/recovery-plan.js';
import type { TemplateContext } from '../template.js';
import type { StepEnv, StepOutcome } from './env.js';
import { runPatch } from './patch.js';
import { runReadField } from './read-field.js';
import { runWait } from './wait.js';

export function executeStep(
  env: StepEnv,
  step: RecoveryStep,
  ctx: TemplateContext,
): Promise<StepOutcome> {
  switch (step.type) {
    case 'patch':
      return runPatch(env, step.patch, ctx);
    case 'readField':
      return runReadField(env, step.readField, ctx);
    case 'wait':
      return runWait(env, step.wait, ctx);
  }
}

/** `perconapgclusters psql-operator/cluster1 spec.standby.enabled`, `… in cluster-2`, as written in the plan. */
export function stepSummary(step: RecoveryStep): string {
  const body =
    step.type === 'patch' ? step.patch : step.type === 'readField' ? step.readField : step.wait;
  const field =
    step.type === 'patch'
      ? step.patch.override.fieldPath
      : step.type === 'readField'
        ? step.readField.fieldPath
        : step.wait.fieldPath;
  const where = body.cluster ? ` in ${body.cluster}` : '';
  const extra = step.type === 'readField' ? ` → ${step.readField.outputKey}` : '';
  return `${body.resource} ${body.namespace ? `${body.namespace}/` : ''}${body.name} ${field}${extra}${where}`;
}
