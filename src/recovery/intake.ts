/**
 * Turning alerts and manual requests into runs. Every alert of a notification is
 * recorded as a ReceivedAlert, and each matching plan's run is started (or found to be a
 * duplicate, or suppressed) in the same atomic step (see scripts.ts). Only after that
 * does the job go on the queue; if the process dies in between, the sweeper enqueues it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  alertRunName,
  idempotencyKey,
  manualRunName,
  receivedAlertName,
  type Occurrence,
} from '../alerts/idempotency.js';
import { matchPlans } from '../alerts/match.js';
import { normalizeAlerts, type NormalizedAlert, type WebhookPayload } from '../alerts/payload.js';
import { ConflictError, NotFoundError } from '../errors.js';
import {
  knownKindByPlural,
  NOVA_VERSION,
  RECOVERY_GROUP,
  type KindInfo,
} from '../resources/kinds.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecoveryPlan } from '../resources/recovery-plan.js';
import type { MatchOutcome, ReceivedAlert, RecoveryRun } from '../resources/records.js';
import type { ResourceService } from '../store/resource-service.js';
import { PLAN_KIND } from './keys.js';
import { PlanCache } from './plan-cache.js';
import { newRunRecord } from './run-record.js';
import {
  newRecordMeta,
  type RunState,
  type RunStore,
  type StartCandidate,
  type StartOutcome,
} from './run-store.js';

/** How long a successful run keeps matching alerts suppressed, unless the plan says otherwise. */
export const DEFAULT_COOLDOWN_SECONDS = 300;

export const PLAN_KIND_INFO: KindInfo = knownKindByPlural(RECOVERY_GROUP, 'recoveryplans') ?? {
  group: RECOVERY_GROUP,
  version: NOVA_VERSION,
  kind: 'RecoveryPlan',
  plural: 'recoveryplans',
  namespaced: false,
};

/** What the webhook answers: per alert, what each matching plan did. */
export interface AlertReceipt {
  apiVersion: string;
  kind: 'AlertReceipt';
  received: number;
  runsStarted: string[];
  duplicates: { alert: string; fingerprint: string; plan: string; run?: string }[];
  suppressed: { alert: string; fingerprint: string; plan: string; run?: string; reason?: string }[];
  alerts: {
    name: string;
    fingerprint: string;
    startsAt: string;
    status: 'firing' | 'resolved';
    outcome: MatchOutcome | 'NoMatchingPlan';
    matches: StartOutcome[];
  }[];
}

export interface IntakeDeps {
  runs: RunStore;
  /** Where plans are read from on every notification; defaults to a fresh cache. */
  plans?: PlanCache;
  resources: ResourceService;
  /** Puts the run's job on the queue (idempotent: the job id is the run name). */
  enqueue(run: string, plan: string): Promise<void>;
  metrics: Metrics;
  logger: Logger;
  defaultCooldownSeconds: number;
}

const OUTCOME_LABEL: Record<MatchOutcome | 'NoMatchingPlan', string> = {
  RunStarted: 'run_started',
  Duplicate: 'duplicate',
  Suppressed: 'suppressed',
  Recorded: 'recorded',
  NoMatchingPlan: 'no_match',
};

function summarize(outcomes: readonly StartOutcome[]): MatchOutcome | 'NoMatchingPlan' {
  if (outcomes.length === 0) return 'NoMatchingPlan';
  for (const o of ['RunStarted', 'Duplicate', 'Suppressed'] as const)
    if (outcomes.some((x) => x.outcome === o)) return o;
  return 'Recorded';
}

const random = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Run names this process has seen decided (started, duplicate, suppressed); at most this many. */
const SEEN_RUNS_MAX = 10_000;

export class Intake {
  private readonly planCache: PlanCache;
  /**
   * Occurrences already decided here. The first delivery of an occurrence usually
   * starts a run, so its records go with the first call; repeats (most deliveries) are
   * duplicates or suppressed, so theirs are built only if the script asks.
   */
  private readonly seenRuns = new Set<string>();
  /** Idempotency key → run name, for the occurrences seen lately (at most SEEN_RUNS_MAX). */
  private readonly runNames = new Map<string, string>();

  constructor(private readonly deps: IntakeDeps) {
    this.planCache =
      deps.plans ??
      new PlanCache(
        deps.runs.redis,
        deps.runs.keys.objects(PLAN_KIND),
        deps.runs.keys.generations,
        PLAN_KIND,
      );
  }

  async plan(name: string): Promise<RecoveryPlan> {
    try {
      return (await this.deps.resources.get(
        PLAN_KIND_INFO,
        undefined,
        name,
      )) as unknown as RecoveryPlan;
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new NotFoundError(
          `RecoveryPlan "${name}" not found; list plans with: lifeboat get recoveryplans`,
        );
      throw err;
    }
  }

  private runState(
    plan: RecoveryPlan,
    alert?: NormalizedAlert,
  ): Omit<RunState, 'outputs' | 'secretValues'> {
    return {
      plan: plan.metadata.name,
      steps: plan.spec.steps,
      cooldownSeconds: plan.spec.cooldownSeconds ?? this.deps.defaultCooldownSeconds,
      ...(alert ? { alert: { labels: alert.labels, annotations: alert.annotations } } : {}),
    };
  }

  /** Records every alert of a notification and starts the runs it calls for. */
  async receiveAlerts(payload: WebhookPayload, sender: string): Promise<AlertReceipt> {
    const now = new Date();
    const receivedAt = now.toISOString();
    const alerts = normalizeAlerts(payload, receivedAt);
    const perAlert = await Promise.all(alerts.map((a) => this.receiveOne(payload, a, sender, now)));

    const flat = perAlert.flatMap((a) =>
      a.matches.map((m) => ({ alert: a.name, fingerprint: a.fingerprint, ...m })),
    );
    const pick = ({ alert, fingerprint, plan, run, reason }: (typeof flat)[number]) => ({
      alert,
      fingerprint,
      plan,
      ...(run ? { run } : {}),
      ...(reason ? { reason } : {}),
    });
    const receipt: AlertReceipt = {
      apiVersion: `${RECOVERY_GROUP}/${NOVA_VERSION}`,
      kind: 'AlertReceipt',
      received: alerts.length,
      runsStarted: flat.filter((m) => m.outcome === 'RunStarted').map((m) => m.run ?? ''),
      duplicates: flat.filter((m) => m.outcome === 'Duplicate').map(pick),
      suppressed: flat.filter((m) => m.outcome === 'Suppressed').map(pick),
      alerts: perAlert,
    };
    if (receipt.runsStarted.length > 0)
      this.deps.logger.info({ runs: receipt.runsStarted, sender }, 'alert started recovery runs');
    return receipt;
  }

  /** One alert: match, record, start (atomically), then enqueue what started. */
  private async receiveOne(
    payload: WebhookPayload,
    a: NormalizedAlert,
    sender: string,
    now: Date,
  ): Promise<AlertReceipt['alerts'][number]> {
    const receivedAt = now.toISOString();
    // randomUUID draws from a cached entropy pool: cheaper per delivery than randomBytes.
    const name = receivedAlertName(a.fingerprint, now.getTime(), randomUUID().slice(0, 8));
    const record: Omit<ReceivedAlert, 'status'> = {
      apiVersion: `${RECOVERY_GROUP}/${NOVA_VERSION}`,
      kind: 'ReceivedAlert',
      metadata: newRecordMeta(name, receivedAt),
      spec: {
        fingerprint: a.fingerprint,
        fingerprintComputed: a.fingerprintComputed,
        status: a.status,
        startsAt: a.startsAt,
        startsAtGiven: a.startsAtGiven,
        ...(a.endsAt ? { endsAt: a.endsAt } : {}),
        labels: a.labels,
        annotations: a.annotations,
        ...(payload.receiver ? { receiver: payload.receiver } : {}),
        ...(payload.groupKey ? { groupKey: payload.groupKey } : {}),
        ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
        sender,
      },
    };
    for (let attempt = 1; ; attempt++) {
      const snapshotPromise = this.planCache.snapshot();
      const snapshot = await snapshotPromise;
      const candidates: StartCandidate[] = matchPlans(snapshot.matchable, a).map((m) => {
        const plan = snapshot.byName.get(m.plan);
        if (m.action === 'record' || !plan) return { plan: m.plan, mode: 'record' };
        const occurrence = { fingerprint: a.fingerprint, startsAt: a.startsAt, status: a.status };
        const key = idempotencyKey(m.plan, occurrence);
        const runName = this.runNameOf(key, m.plan, occurrence);
        const build = () => ({
          run: newRunRecord({
            name: runName,
            plan,
            dryRun: false,
            now: receivedAt,
            trigger: {
              type: 'alert',
              alert: name,
              fingerprint: a.fingerprint,
              startsAt: a.startsAt,
              alertStatus: a.status,
              labels: a.labels,
              idempotencyKey: key,
              caller: sender,
            },
          }),
          state: this.runState(plan, a),
        });
        return {
          plan: m.plan,
          mode: 'run',
          run: runName,
          build,
          eager: !this.seenRuns.has(runName),
        };
      });
      const outcomes = await this.deps.runs.start(candidates, {
        alert: { name, object: record, receivedAt },
        planGeneration: snapshot.generation,
      });
      if (outcomes === 'PlansChanged') {
        // A plan was applied, changed or deleted since the cached read: read again, match again.
        this.planCache.invalidate(snapshotPromise);
        if (attempt < 5) continue;
        throw new Error('the recovery plans keep changing while this alert is matched; retry');
      }
      for (const c of candidates) if (c.mode === 'run' && c.run) this.remember(c.run);
      for (const o of outcomes)
        if (o.outcome === 'RunStarted' && o.run) await this.deps.enqueue(o.run, o.plan);
      const outcome = summarize(outcomes);
      this.deps.metrics.alertsReceived.inc({ outcome: OUTCOME_LABEL[outcome] });
      return {
        name,
        fingerprint: a.fingerprint,
        startsAt: a.startsAt,
        status: a.status,
        outcome,
        matches: outcomes,
      };
    }
  }

  /** The run name of an occurrence; repeats (most deliveries) skip the hash. */
  private runNameOf(key: string, plan: string, occurrence: Occurrence): string {
    let name = this.runNames.get(key);
    if (name === undefined) {
      name = alertRunName(plan, occurrence);
      if (this.runNames.size >= SEEN_RUNS_MAX) this.runNames.clear();
      this.runNames.set(key, name);
    }
    return name;
  }

  private remember(run: string): void {
    if (this.seenRuns.has(run)) return;
    if (this.seenRuns.size >= SEEN_RUNS_MAX) {
      // Forget the oldest (a Set iterates in insertion order).
      const oldest = this.seenRuns.values().next().value;
      if (oldest !== undefined) this.seenRuns.delete(oldest);
    }
    this.seenRuns.add(run);
  }

  /** Starts a plan by hand. 409 while the plan has a run in progress; cooldowns do not apply. */
  async startManual(planName: string, caller: string): Promise<RecoveryRun> {
    const plan = await this.plan(planName);
    const now = new Date();
    const run = newRunRecord({
      name: manualRunName(planName, now, random(3)),
      plan,
      dryRun: false,
      now: now.toISOString(),
      trigger: { type: 'manual', caller },
    });
    const outcomes = await this.deps.runs.start([
      {
        plan: planName,
        mode: 'manual',
        run: run.metadata.name,
        build: () => ({ run, state: this.runState(plan) }),
      },
    ]);
    const o = outcomes === 'PlansChanged' ? undefined : outcomes[0];
    if (o?.outcome === 'Duplicate') {
      throw new ConflictError(
        `a run named ${run.metadata.name} already exists; start the plan again`,
      );
    }
    if (o?.outcome !== 'RunStarted') {
      throw new ConflictError(
        `run ${o?.run ?? '?'} of plan ${planName} is still in progress; wait for it to finish (lifeboat runs --plan ${planName}) before starting another`,
      );
    }
    await this.deps.enqueue(run.metadata.name, planName);
    this.deps.logger.info({ run: run.metadata.name, caller }, 'manual recovery run started');
    return (await this.deps.runs.get(run.metadata.name)) ?? run;
  }
}
