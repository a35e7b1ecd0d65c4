/**
 * The recovery engine, wired: alert intake, manual and dry runs, the BullMQ queue and
 * worker, the sweeper. `lifeboat serve` creates one per process; several processes on
 * one Redis share the work and still run each run exactly once.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { UnrecoverableError, type Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseWebhookPayload } from '../alerts/payload.js';
import type { MemberClusters } from '../clusters/member-clusters.js';
import { LifeboatError, UnavailableError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecoveryRun } from '../resources/records.js';
import type { KindRegistry } from '../store/kind-registry.js';
import type { ResourceService } from '../store/resource-service.js';
import { manualRunName } from '../alerts/idempotency.js';
import { dryRunPlan } from './dry-run.js';
import { DEFAULT_COOLDOWN_SECONDS, Intake, type AlertReceipt } from './intake.js';
import { recoveryKeys } from './keys.js';
import {
  createRunQueue,
  createRunWorker,
  DEFAULT_QUEUE_NAME,
  enqueueRun,
  runJobData,
  type RunJobData,
} from './queue.js';
import { RunRunner } from './runner.js';
import { DEFAULT_ALERT_RETENTION, type AlertRetention } from './retention.js';
import { RunStore } from './run-store.js';
import { sweep } from './sweeper.js';

export interface RecoveryEngineOptions {
  /** The object store (its Redis client and prefix are the engine's too). */
  resources: ResourceService;
  kinds: KindRegistry;
  /** Member-cluster access for steps with `cluster:`; without it such steps fail with a clear message. */
  members?: MemberClusters;
  metrics: Metrics;
  logger: Logger;
  /** Default cooldown after a successful run, for plans without `cooldownSeconds` (300). */
  cooldownSeconds?: number;
  /** Run a worker in this process (default true). An API-only process still takes alerts and sweeps. */
  worker?: boolean;
  /** Runs one worker executes at once (default 8; one plan never runs twice at once anyway). */
  concurrency?: number;
  /** How long a worker's hold on a job lasts without renewal; a dead worker's runs resume after about this (default 15 s). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (default 5 s). */
  stalledIntervalMs?: number;
  /** How often the sweeper repairs leftovers of crashes and prunes old alerts (default 10 s). */
  sweepIntervalMs?: number;
  /** How long ReceivedAlerts are kept (default 7 days, at most the newest 10,000; 0 = no limit). */
  alertRetention?: Partial<AlertRetention>;
  /** Longest wait for Redis before the webhook answers 503 so Alertmanager retries (default 5 s). */
  intakeTimeoutMs?: number;
  /** Batch the Redis commands of concurrent alert deliveries into shared writes (default true). */
  autoPipelining?: boolean;
  /** BullMQ queue name (default "recovery"). */
  queueName?: string;
  /** Transient member-cluster failures are retried within a step this often (default 3), this far apart (300 ms, growing). */
  memberAttempts?: number;
  memberRetryDelayMs?: number;
}

export interface RecoveryEngine {
  /** Starts the worker (if enabled) and the sweeper. */
  start(): Promise<void>;
  /** Stops taking jobs, hands in-flight waits back to the queue, closes connections it opened. */
  stop(): Promise<void>;
  /**
   * Validates a webhook body (400 if malformed), records every alert and starts the
   * runs it calls for. Resolves only once everything is in Redis; 503 if Redis is away.
   */
  receiveAlerts(body: unknown, sender: string): Promise<AlertReceipt>;
  /** Starts a plan by hand: 404 unknown plan, 409 while one of its runs is in progress. */
  startRun(plan: string, caller: string): Promise<RecoveryRun>;
  /** Renders every step, performs reads, reports patches as before/after; changes nothing. */
  dryRun(plan: string, caller: string): Promise<RecoveryRun>;
  /** One sweeper pass (also run periodically after start). */
  sweep(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnavailableError(`${what}: Redis did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function createRecoveryEngine(opts: RecoveryEngineOptions): RecoveryEngine {
  const store = opts.resources.store;
  const redis = store.redis;
  const keys = recoveryKeys(store.prefix);
  const logger = opts.logger.child({ component: 'recovery' });
  const connections: Redis[] = [];
  const connect = (extra: Record<string, unknown>): Redis => {
    const c = redis.duplicate({ lazyConnect: false, ...extra });
    c.on('error', (err: Error) =>
      logger.debug({ err: err.message }, 'recovery redis connection error'),
    );
    connections.push(c);
    return c;
  };
  // Alerts come in bursts; auto-pipelining sends concurrent commands in one write. Not
  // the start script: its calls are already batched (start-batch.ts), and a full batch
  // should reach Redis now, not at the end of the event-loop turn.
  const intakeRedis = connect({
    enableAutoPipelining: opts.autoPipelining ?? true,
    autoPipeliningIgnoredCommands: ['lifeboatStartRuns'],
    lazyConnect: true,
  });
  const runs = new RunStore(intakeRedis, store, keys);
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const runnerDeps = {
    runs,
    resources: opts.resources,
    kinds: opts.kinds,
    ...(opts.members ? { members: opts.members } : {}),
    metrics: opts.metrics,
    logger,
    ...(opts.memberAttempts !== undefined ? { memberAttempts: opts.memberAttempts } : {}),
    ...(opts.memberRetryDelayMs !== undefined
      ? { memberRetryDelayMs: opts.memberRetryDelayMs }
      : {}),
  };
  const runner = new RunRunner(runnerDeps);
  let queue: Queue<RunJobData> | undefined;
  const getQueue = (): Queue<RunJobData> =>
    (queue ??= createRunQueue(connect({}), keys.bullPrefix, queueName));
  const intake = new Intake({
    runs,
    resources: opts.resources,
    enqueue: (run, plan) => enqueueRun(getQueue(), { run, plan }),
    metrics: opts.metrics,
    logger,
    defaultCooldownSeconds: opts.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS,
  });
  const intakeTimeout = opts.intakeTimeoutMs ?? 5000;
  const retention: AlertRetention = { ...DEFAULT_ALERT_RETENTION, ...opts.alertRetention };
  const stopping = new AbortController();
  let worker: Worker<RunJobData> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const sweepOnce = (): Promise<void> =>
    (sweeping ??= sweep(runs, runner, getQueue(), logger, retention)
      .catch((err: unknown) =>
        logger.warn({ err }, 'recovery sweep failed; retrying at the next interval'),
      )
      .finally(() => {
        sweeping = undefined;
      }));

  /** Connects the intake connection on first use; later calls cost a status check. */
  const ready = async (): Promise<void> => {
    if (intakeRedis.status === 'wait') await intakeRedis.connect();
    else if (intakeRedis.status === 'connecting' || intakeRedis.status === 'connect')
      await once(intakeRedis, 'ready');
  };

  /** Redis trouble while recording becomes 503, which Alertmanager retries. */
  const unavailable = (err: unknown, what: string): unknown =>
    err instanceof LifeboatError
      ? err
      : new UnavailableError(
          `${what}: ${err instanceof Error ? err.message : String(err)}; retry later`,
        );

  return {
    async start() {
      await ready();
      if (opts.worker !== false) {
        worker = createRunWorker(
          connect({ maxRetriesPerRequest: null, enableOfflineQueue: true }),
          keys.bullPrefix,
          queueName,
          async (job) => {
            const data = runJobData.safeParse(job.data);
            if (!data.success)
              throw new UnrecoverableError(
                `job ${job.id ?? '?'} has no valid run payload: ${data.error.message}`,
              );
            await runner.execute(data.data.run, stopping.signal);
          },
          {
            concurrency: opts.concurrency ?? 8,
            lockDurationMs: opts.lockDurationMs ?? 15_000,
            stalledIntervalMs: opts.stalledIntervalMs ?? 5_000,
          },
        );
        worker.on('error', (err) => logger.warn({ err }, 'recovery worker error'));
        worker.on('failed', (job, err) => {
          if (!job) return;
          const attempts = job.opts.attempts ?? 1;
          if (err instanceof UnrecoverableError || job.attemptsMade >= attempts) {
            const run = typeof job.data.run === 'string' ? job.data.run : String(job.id);
            runner
              .failUnfinished(run, `gave up after ${job.attemptsMade} attempts: ${err.message}`)
              .catch((e: unknown) =>
                logger.warn({ err: e, run }, 'could not mark the run failed; the sweeper will'),
              );
          }
        });
      }
      await sweepOnce();
      timer = setInterval(() => void sweepOnce(), opts.sweepIntervalMs ?? 10_000);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      stopping.abort();
      await sweeping;
      await worker?.close();
      await queue?.close();
      for (const c of connections) c.disconnect();
    },

    async receiveAlerts(body, sender) {
      const payload = parseWebhookPayload(body);
      const end = opts.metrics.webhookDuration.startTimer();
      try {
        return await withTimeout(
          ready().then(() => intake.receiveAlerts(payload, sender)),
          intakeTimeout,
          'could not record the alerts',
        );
      } catch (err) {
        throw unavailable(err, 'could not record the alerts');
      } finally {
        end();
      }
    },

    async startRun(plan, caller) {
      try {
        return await withTimeout(
          ready().then(() => intake.startManual(plan, caller)),
          intakeTimeout,
          'could not start the run',
        );
      } catch (err) {
        throw unavailable(err, 'could not start the run');
      }
    },

    async dryRun(planName, caller) {
      const plan = await intake.plan(planName);
      const name = manualRunName(planName, new Date(), randomBytes(3).toString('hex')).replace(
        '-manual-',
        '-dryrun-',
      );
      return dryRunPlan(runnerDeps, plan, { type: 'manual', caller }, name);
    },

    sweep: sweepOnce,
  };
}
