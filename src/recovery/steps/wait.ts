/**
 * `wait` (lifeboat extension): poll a field until it equals a value, or exists / is
 * absent, or the timeout passes (the step fails). A missing object counts as an absent
 * field. Dry runs look once and report what they saw.
 */
import { getAtPath, parseFieldPath } from '../../resources/field-path.js';
import type { WaitStep } from '../../resources/recovery-plan.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { StepError } from '../errors.js';
import { isSecretField } from '../redact.js';
import type { TemplateContext } from '../template.js';
import { readObject, resolveTarget, sleep, type StepEnv, type StepOutcome } from './env.js';

export const WAIT_DEFAULTS = { timeoutSeconds: 60, intervalMilliseconds: 1000 } as const;

function satisfied(step: WaitStep, value: unknown): boolean {
  if (step.exists !== undefined) return (value !== undefined && value !== null) === step.exists;
  return value !== undefined && canonicalJson(value) === canonicalJson(step.equals);
}

function condition(step: WaitStep): string {
  if (step.exists !== undefined) return step.exists ? 'exists' : 'is absent';
  return `equals ${JSON.stringify(step.equals)}`;
}

export async function runWait(
  env: StepEnv,
  step: WaitStep,
  ctx: TemplateContext,
): Promise<StepOutcome> {
  const t = await resolveTarget(env, step, ctx);
  const segments = parseFieldPath(step.fieldPath);
  const timeoutSeconds = step.timeoutSeconds ?? WAIT_DEFAULTS.timeoutSeconds;
  const interval = step.intervalMilliseconds ?? WAIT_DEFAULTS.intervalMilliseconds;
  const action = {
    target: { ...t.target, ...(t.where === 'member' ? { cluster: t.cluster } : {}) },
    fieldPath: step.fieldPath,
    until: condition(step),
    timeoutSeconds,
  };
  const secret = isSecretField(step.apiVersion, step.resource, step.fieldPath);
  const look = async (): Promise<unknown> => getAtPath(await readObject(env, t), segments);

  if (env.dryRun) {
    const value = await look();
    return {
      action,
      output: { value: { value: value ?? null, satisfiedNow: satisfied(step, value) }, secret },
    };
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
  let value = await look();
  while (!satisfied(step, value)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      const seen = secret
        ? ''
        : `; last seen: ${value === undefined ? 'absent' : JSON.stringify(value)}`;
      throw new StepError(
        `timed out after ${timeoutSeconds}s waiting until ${step.fieldPath} of ${t.describe} ${condition(step)}${seen}`,
      );
    }
    await sleep(Math.min(interval, left), env.signal);
    value = await look();
  }
  return { action, output: { value: value ?? null, secret } };
}
