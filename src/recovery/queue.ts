/**
 * The run queue on BullMQ (docs/adr/0004-runs-on-bullmq.md). One job per run, its id the
 * run name (deterministic, no `:`), so enqueueing twice is harmless. BullMQ gives the
 * delivery guarantees (one worker holds a job at a time; a dead worker's job is
 * re-delivered once its lock lapses); the run record gives exactly-once progress.
 */
import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const DEFAULT_QUEUE_NAME = 'recovery';

/** The job payload; validated when a worker takes it, like any boundary. */
export const runJobData = z.strictObject({ run: z.string().min(1), plan: z.string().min(1) });
export type RunJobData = z.infer<typeof runJobData>;

/** Transient failures (Redis away, a bug) are retried this often before the run is marked Failed. */
export const JOB_ATTEMPTS = 25;
const BACKOFF_TYPE = 'lifeboat';

/** Exponential from 500 ms, capped at 30 s; a shutdown hands the job on at once. */
export function backoffDelay(attemptsMade: number, err?: Error): number {
  if (err?.name === 'StoppingError') return 0;
  return Math.min(30_000, 500 * 2 ** Math.max(0, attemptsMade - 1));
}

export function createRunQueue(
  connection: Redis,
  prefix: string,
  name = DEFAULT_QUEUE_NAME,
): Queue<RunJobData> {
  return new Queue<RunJobData>(name, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: JOB_ATTEMPTS,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 7 * 86_400, count: 10_000 },
      removeOnFail: { age: 30 * 86_400 },
    },
  });
}

export async function enqueueRun(queue: Queue<RunJobData>, data: RunJobData): Promise<void> {
  await queue.add('run', data, { jobId: data.run });
}

export interface RunWorkerOptions {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export function createRunWorker(
  connection: Redis,
  prefix: string,
  name: string,
  process: (job: Job<RunJobData>) => Promise<void>,
  opts: RunWorkerOptions,
): Worker<RunJobData> {
  const options: WorkerOptions = {
    connection,
    prefix,
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    // A run whose worker died is re-delivered many times before BullMQ gives up on it.
    maxStalledCount: 10,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
        backoffDelay(attemptsMade, err),
    },
  };
  return new Worker<RunJobData>(name, process, options);
}
