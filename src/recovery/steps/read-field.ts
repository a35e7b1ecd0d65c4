/**
 * `readField`: read one field of an object (on the control plane, including the status
 * propagation synced back; or live from a member with `cluster:`) into `.Values.<outputKey>`.
 */
import { getAtPath, parseFieldPath } from '../../resources/field-path.js';
import type { ReadFieldStep } from '../../resources/recovery-plan.js';
import { StepError } from '../errors.js';
import { isSecretField } from '../redact.js';
import type { TemplateContext } from '../template.js';
import { readObject, resolveTarget, type StepEnv, type StepOutcome } from './env.js';

export async function runReadField(
  env: StepEnv,
  step: ReadFieldStep,
  ctx: TemplateContext,
): Promise<StepOutcome> {
  const t = await resolveTarget(env, step, ctx);
  const segments = parseFieldPath(step.fieldPath);
  const action = {
    target: { ...t.target, ...(t.where === 'member' ? { cluster: t.cluster } : {}) },
    fieldPath: step.fieldPath,
    outputKey: step.outputKey,
  };
  const obj = await readObject(env, t);
  if (!obj) throw new StepError(`${t.describe} not found; cannot read ${step.fieldPath}`);
  const value = getAtPath(obj, segments);
  if (value === undefined || value === null) {
    const hint =
      segments[0] === 'status'
        ? ' (status may not be synced yet; a wait step before this one can wait for it)'
        : '';
    throw new StepError(`${step.fieldPath} is not set on ${t.describe}${hint}`);
  }
  return {
    action,
    output: {
      key: step.outputKey,
      value,
      secret: isSecretField(step.apiVersion, step.resource, step.fieldPath, step.outputKey),
    },
  };
}
