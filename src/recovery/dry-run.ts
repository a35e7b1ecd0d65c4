/**
 * Dry runs: every step rendered, every read performed (hub and member), every patch
 * computed as before/after on an overlay (later steps see earlier patches), nothing
 * written anywhere, no gate taken, no record stored. The answer is a RecoveryRun as
 * the real run would have recorded it, with `spec.dryRun: true`.
 */
import type { RecoveryPlan } from '../resources/recovery-plan.js';
import type { RecoveryRun, RunTrigger } from '../resources/records.js';
import { StepError } from './errors.js';
import { redactMessage, secretStrings } from './redact.js';
import { failRun, newRunRecord, succeedRun } from './run-record.js';
import { recordedOutcome, stepEnv, templateContext, type RunnerDeps } from './runner.js';
import { asStepFailure } from './steps/env.js';
import { executeStep } from './steps/index.js';

export async function dryRunPlan(
  deps: RunnerDeps,
  plan: RecoveryPlan,
  trigger: RunTrigger,
  name: string,
): Promise<RecoveryRun> {
  const started = new Date();
  const run = newRunRecord({ name, plan, trigger, dryRun: true, now: started.toISOString() });
  run.status.phase = 'Running';
  run.status.attempts = 1;
  run.status.startedAt = started.toISOString();
  const env = stepEnv(deps, true, new AbortController().signal);
  const state = { outputs: {} as Record<string, unknown>, secretValues: [] as string[] };
  for (const [i, step] of plan.spec.steps.entries()) {
    const s = run.status.steps[i];
    if (!s) break;
    s.state = 'Running';
    s.attempts = 1;
    s.startedAt = new Date().toISOString();
    try {
      const outcome = await executeStep(env, step, templateContext(state));
      const key = outcome.output?.key;
      if (outcome.output && key !== undefined) {
        state.outputs[key] = outcome.output.value;
        if (outcome.output.secret) state.secretValues.push(...secretStrings(outcome.output.value));
      }
      const shown = recordedOutcome(outcome, state.secretValues);
      const now = new Date();
      Object.assign(s, shown, {
        state: 'Succeeded',
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - Date.parse(s.startedAt),
      });
      if (key !== undefined) run.status.outputs[key] = shown.output;
    } catch (err) {
      // A dry run reports every failure on its step, transient ones included.
      const failure =
        asStepFailure(err) ?? new StepError(err instanceof Error ? err.message : String(err));
      failRun(run, i, redactMessage(failure.message, state.secretValues), new Date());
      return run;
    }
  }
  succeedRun(run, new Date());
  return run;
}
