/**
 * Runs one RecoveryRun to the end, crash-safely. Progress lives in the record: before a
 * step, it is marked Running (with its attempt count); after its effect is durable (the
 * hub write committed, the member API server answered) and its output saved privately,
 * it is marked Succeeded. A worker that dies mid-run leaves the record saying where it
 * was; whoever picks the job up next (BullMQ re-delivers stalled jobs) skips the
 * Succeeded steps and runs the rest. Steps are idempotent (a patch sets a field; a read
 * reads), so repeating the step that was in flight is safe.
 */
import type { Logger } from 'pino';
import type { MemberClusters } from '../clusters/member-clusters.js';
import type { Metrics } from '../observability/metrics.js';
import { FINAL_PHASES, type RecoveryRun } from '../resources/records.js';
import type { KindRegistry } from '../store/kind-registry.js';
import type { ResourceService } from '../store/resource-service.js';
import { SupersededError } from './errors.js';
import { redact, REDACTED, redactMessage, secretStrings } from './redact.js';
import { failRun, succeedRun } from './run-record.js';
import type { RunState, RunStore, RunWriter } from './run-store.js';
import { asStepFailure, type StepEnv, type StepOutcome } from './steps/env.js';
import { executeStep } from './steps/index.js';
import type { TemplateContext } from './template.js';

export interface RunnerDeps {
  runs: RunStore;
  resources: ResourceService;
  kinds: KindRegistry;
  members?: MemberClusters;
  metrics: Metrics;
  logger: Logger;
  /** Transient member-cluster failures are retried this often within a step (default 3). */
  memberAttempts?: number;
  memberRetryDelayMs?: number;
}

export function stepEnv(deps: RunnerDeps, dryRun: boolean, signal: AbortSignal): StepEnv {
  return {
    resources: deps.resources,
    kinds: deps.kinds,
    ...(deps.members ? { members: deps.members } : {}),
    dryRun,
    overlay: new Map(),
    signal,
    memberAttempts: deps.memberAttempts ?? 3,
    memberRetryDelayMs: deps.memberRetryDelayMs ?? 300,
  };
}

export function templateContext(state: Pick<RunState, 'outputs' | 'alert'>): TemplateContext {
  return { Values: state.outputs, ...(state.alert ? { Alert: state.alert } : {}) };
}

/** The record's view of a step's outcome: redacted, secrets blanked. */
export function recordedOutcome(
  outcome: StepOutcome,
  secrets: readonly string[],
): { action: unknown; output?: unknown; before?: unknown; after?: unknown } {
  const action = outcome.secret ? { ...outcome.action, value: REDACTED } : outcome.action;
  const hidden = (v: unknown): unknown =>
    outcome.secret || outcome.output?.secret ? REDACTED : redact(v, secrets);
  return {
    action: redact(action, secrets),
    ...(outcome.output ? { output: hidden(outcome.output.value) } : {}),
    ...('before' in outcome ? { before: hidden(outcome.before) } : {}),
    ...('after' in outcome ? { after: hidden(outcome.after) } : {}),
  };
}

export class RunRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Runs (or resumes) the run. Returns normally when the run is final, gone, or taken
   * over by another worker; throws on transient trouble so the job is retried.
   */
  async execute(name: string, signal: AbortSignal): Promise<void> {
    const { runs, logger } = this.deps;
    const log = logger.child({ run: name });
    // Both reads at once: one round trip before the first step.
    const [run, state] = await Promise.all([runs.get(name), runs.loadState(name)]);
    if (!run) {
      log.warn('run record is gone; nothing to do');
      return;
    }
    if (FINAL_PHASES.has(run.status.phase)) {
      await this.release(run, state);
      return;
    }
    const writer = runs.writer(run);
    try {
      if (!state) {
        await writer.update((r) =>
          failRun(
            r,
            undefined,
            "the run's saved plan is missing (was Redis flushed?); start the plan again",
            new Date(),
          ),
        );
        await this.finished(writer.run, undefined);
        return;
      }
      await this.steps(writer, state, signal, log);
    } catch (err) {
      if (err instanceof SupersededError) {
        log.warn('another worker took this run over; stopping here');
        return;
      }
      throw err;
    }
  }

  private async steps(
    writer: RunWriter,
    state: RunState,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const { runs, metrics } = this.deps;
    const name = writer.run.metadata.name;
    // Record changes not yet written ride along with the next write: one record write per
    // step instead of two. Crash safety holds: a step is marked Running (in the same write
    // that marks the one before it Succeeded) before it acts, and the last step's success
    // is written with the run's.
    let carried: ((r: RecoveryRun) => void)[] = [
      (r) => {
        r.status.phase = 'Running';
        r.status.attempts += 1;
        r.status.startedAt ??= new Date().toISOString();
      },
    ];
    const write = async (mutate: (r: RecoveryRun) => void): Promise<void> => {
      const pending = carried;
      await writer.update((r) => {
        for (const m of pending) m(r);
        mutate(r);
      });
      carried = [];
    };
    const env = stepEnv(this.deps, false, signal);
    for (const [i, step] of state.steps.entries()) {
      const recorded = writer.run.status.steps[i];
      if (recorded?.state === 'Succeeded') continue;
      if (recorded?.state === 'Failed' || recorded?.state === 'Skipped') {
        // Crashed after recording the failure but before finishing the run.
        await write((r) => failRun(r, i, recorded.error ?? 'failed', new Date()));
        await this.finished(writer.run, state);
        return;
      }
      await write((r) => {
        const s = r.status.steps[i];
        if (!s) return;
        s.state = 'Running';
        s.attempts += 1;
        s.startedAt = new Date().toISOString();
        delete s.error;
      });
      const t0 = performance.now();
      let outcome: StepOutcome;
      try {
        outcome = await executeStep(env, step, templateContext(state));
      } catch (err) {
        const failure = asStepFailure(err);
        if (!failure) {
          log.warn(
            { err, step: i },
            'step hit a transient error; the job will be retried from this step',
          );
          throw err;
        }
        metrics.stepDuration.observe(
          { type: step.type, result: 'failed' },
          (performance.now() - t0) / 1000,
        );
        const message = redactMessage(failure.message, state.secretValues);
        await write((r) => failRun(r, i, message, new Date()));
        log.info({ step: i, error: message }, 'step failed; the run stops here');
        await this.finished(writer.run, state);
        return;
      }
      const key = outcome.output?.key;
      if (outcome.output && key !== undefined) {
        state.outputs[key] = outcome.output.value;
        if (outcome.output.secret) state.secretValues.push(...secretStrings(outcome.output.value));
        // The output is saved before the step is marked done, so a resumed run has it.
        await runs.saveState(name, state);
      }
      const shown = recordedOutcome(outcome, state.secretValues);
      metrics.stepDuration.observe(
        { type: step.type, result: 'succeeded' },
        (performance.now() - t0) / 1000,
      );
      const done = new Date();
      carried.push((r) => {
        const s = r.status.steps[i];
        if (!s) return;
        s.state = 'Succeeded';
        s.finishedAt = done.toISOString();
        s.durationMs = Math.max(0, done.getTime() - Date.parse(s.startedAt ?? s.finishedAt));
        s.action = shown.action;
        if ('output' in shown) s.output = shown.output;
        if (key !== undefined) r.status.outputs[key] = shown.output;
      });
    }
    await write((r) => succeedRun(r, new Date()));
    await this.finished(writer.run, state);
  }

  /** Counts the finished run and frees its plan (with a cooldown after a success). */
  private async finished(run: RecoveryRun, state: RunState | undefined): Promise<void> {
    const plan = run.spec.plan;
    this.deps.metrics.runs.inc({ plan, phase: run.status.phase });
    if (run.status.durationMs !== undefined)
      this.deps.metrics.runDuration.observe({ plan }, run.status.durationMs / 1000);
    this.deps.logger.info(
      { run: run.metadata.name, plan, phase: run.status.phase, durationMs: run.status.durationMs },
      `run ${run.status.phase.toLowerCase()}`,
    );
    await this.release(run, state);
  }

  async release(run: RecoveryRun, state: RunState | undefined): Promise<void> {
    const succeeded =
      run.status.phase === 'Succeeded' &&
      run.status.finishedAt !== undefined &&
      state !== undefined;
    await this.deps.runs.release(
      run.spec.plan,
      run.metadata.name,
      succeeded
        ? { finishedAt: run.status.finishedAt ?? '', seconds: state.cooldownSeconds }
        : undefined,
    );
  }

  /**
   * Fails a run that cannot continue (its job ran out of attempts, or vanished), unless
   * it already finished or someone else is writing it.
   */
  async failUnfinished(name: string, message: string): Promise<void> {
    const run = await this.deps.runs.get(name);
    if (!run || FINAL_PHASES.has(run.status.phase)) return;
    const writer = this.deps.runs.writer(run);
    try {
      await writer.update((r) => failRun(r, undefined, message, new Date()));
    } catch (err) {
      if (err instanceof SupersededError) return;
      throw err;
    }
    await this.finished(writer.run, await this.deps.runs.loadState(name));
  }
}
