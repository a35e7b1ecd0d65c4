/**
 * Repairs what a crash between two steps can leave behind: a run recorded but never
 * enqueued (the process died after the start script, before queue.add), a run whose
 * job gave up without the record saying so, a finished run whose plan gate was never
 * freed. It also applies the ReceivedAlert retention (retention.ts). It runs at start
 * and then periodically in every process; every repair is idempotent, so several
 * processes sweeping at once do no harm.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { FINAL_PHASES } from '../resources/records.js';
import { enqueueRun, type RunJobData } from './queue.js';
import { pruneAlerts, type AlertRetention } from './retention.js';
import type { RunRunner } from './runner.js';
import type { RunStore } from './run-store.js';

export async function sweep(
  runs: RunStore,
  runner: RunRunner,
  queue: Queue<RunJobData>,
  logger: Logger,
  retention?: AlertRetention,
): Promise<void> {
  for (const [name, plan] of await runs.unfinished()) {
    const run = await runs.get(name);
    if (!run) {
      logger.warn({ run: name, plan }, 'unfinished run has no record; freeing its plan');
      await runs.release(plan, name);
      continue;
    }
    if (FINAL_PHASES.has(run.status.phase)) {
      await runner.release(run, await runs.loadState(name));
      continue;
    }
    const job = await queue.getJob(name);
    if (!job) {
      logger.info({ run: name, plan }, 'run had no job; enqueueing it');
      await enqueueRun(queue, { run: name, plan });
      continue;
    }
    const state = await job.getState();
    if (state === 'failed' || state === 'completed') {
      await runner.failUnfinished(
        name,
        state === 'failed'
          ? `gave up: ${job.failedReason}`
          : 'its job ended without finishing the run',
      );
    }
  }
  if (retention) await pruneAlerts(runs, retention, logger);
}
