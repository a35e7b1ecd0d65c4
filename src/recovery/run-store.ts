/**
 * Where runs live: the public RecoveryRun record (through the object store, so the
 * generic API and watchers see it) plus a private Redis hash per run holding what the
 * worker needs to resume and must not publish (the plan's steps as of the start,
 * unredacted outputs, values to redact). Record writes are fenced on resourceVersion:
 * a worker whose job was re-delivered elsewhere learns it on its next write.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { NotFoundError } from '../errors.js';
import type { KubeObject } from '../resources/meta.js';
import type { RecoveryStep } from '../resources/recovery-plan.js';
import type { RecoveryRun } from '../resources/records.js';
import { PreconditionFailed, type RedisStore, type StoreKey } from '../store/redis-store.js';
import { SupersededError } from './errors.js';
import { ALERT_KIND, PLAN_KIND, RUN_KIND, type RecoveryKeys } from './keys.js';
import { RELEASE_SCRIPT, START_SCRIPT } from './scripts.js';
import { StartBatch, type Delivery } from './start-batch.js';

/** Mirrors the store's change-stream cap. */
const STREAM_MAX = 100_000;

/** What a worker needs to run (or resume) a run; saved when the run starts. */
export interface RunState {
  plan: string;
  steps: RecoveryStep[];
  /** The plan's cooldown (or the engine default) as of the start. */
  cooldownSeconds: number;
  /** `.Alert` in templates: the triggering alert's labels and annotations. */
  alert?: { labels: Record<string, string>; annotations: Record<string, string> };
  /** readField outputs so far, unredacted: later templates need the real values. */
  outputs: Record<string, unknown>;
  /** Output values that are secrets, so they are blanked wherever they show up in records. */
  secretValues: string[];
}

/** One plan an alert (or a person) asks to run. */
export interface StartCandidate {
  plan: string;
  mode: 'run' | 'record' | 'manual';
  /** For run/manual: the name the run gets if it starts. */
  run?: string;
  /** Builds the Pending record and the private state; called only if a run may start. */
  build?: () => { run: RecoveryRun; state: Omit<RunState, 'outputs' | 'secretValues'> };
  /**
   * Send the records with the first call (a run will probably start: saves the round
   * trip of NeedRecords); otherwise only if the script asks for them.
   */
  eager?: boolean;
}

export interface StartOutcome {
  plan: string;
  outcome: 'RunStarted' | 'Duplicate' | 'Suppressed' | 'Recorded';
  run?: string;
  reason?: string;
}

interface WithScripts {
  lifeboatStartRuns(numKeys: number, ...args: string[]): Promise<string[]>;
  lifeboatReleaseRun(numKeys: number, ...args: string[]): Promise<number>;
}

/** Metadata lifeboat sets on the records it creates, as the store would on a create. */
export function newRecordMeta(
  name: string,
  now: string,
  labels?: Record<string, string>,
): KubeObject['metadata'] {
  return {
    name,
    uid: randomUUID(),
    creationTimestamp: now,
    generation: 1,
    ...(labels ? { labels } : {}),
  };
}

export class RunStore {
  /** Starts that arrive together go to Redis as one script call (see start-batch.ts). */
  private readonly batch: StartBatch;

  constructor(
    readonly redis: Redis,
    readonly store: RedisStore,
    readonly keys: RecoveryKeys,
  ) {
    if (!('lifeboatStartRuns' in redis)) {
      redis.defineCommand('lifeboatStartRuns', { lua: START_SCRIPT });
      redis.defineCommand('lifeboatReleaseRun', { lua: RELEASE_SCRIPT });
    }
    this.batch = new StartBatch((deliveries) => {
      const keys = [
        this.keys.rv,
        this.keys.changes,
        this.keys.objects(ALERT_KIND),
        this.keys.objects(RUN_KIND),
        this.keys.unfinished,
        this.keys.generations,
        this.keys.alertIndex,
      ];
      const args = [String(STREAM_MAX), ALERT_KIND, RUN_KIND, PLAN_KIND, String(deliveries.length)];
      for (const d of deliveries) {
        keys.push(...d.keys);
        args.push(...d.args);
      }
      return (this.redis as unknown as WithScripts).lifeboatStartRuns(
        keys.length,
        ...keys,
        ...args,
      );
    });
  }

  runKey(name: string): StoreKey {
    return { kind: RUN_KIND, namespace: '', name };
  }

  async get(name: string): Promise<RecoveryRun | undefined> {
    return (await this.store.get(this.runKey(name))) as RecoveryRun | undefined;
  }

  /**
   * Decides and records, atomically, what each candidate does; writes the delivery's
   * ReceivedAlert (when given) in the same step. See scripts.ts.
   */
  async start(
    candidates: readonly StartCandidate[],
    opts: {
      alert?: { name: string; object: object; receivedAt: string };
      /** The plan kind's generation the candidates were matched against; checked if given. */
      planGeneration?: string;
    } = {},
  ): Promise<StartOutcome[] | 'PlansChanged'> {
    const { alert, planGeneration } = opts;
    const keys: string[] = [];
    for (const c of candidates)
      keys.push(
        this.keys.active(c.plan),
        this.keys.cooldown(c.plan),
        this.keys.runState(c.run ?? '-'),
      );
    // The script appends ,"status":{…}} to the alert record.
    const head = [
      alert ? `/${alert.name}` : '',
      alert ? JSON.stringify(alert.object).slice(0, -1) : '',
      alert?.receivedAt ?? '',
      alert ? String(Date.parse(alert.receivedAt)) : '0',
      planGeneration ?? '-',
      String(candidates.length),
    ];
    const delivery = (withRecords: boolean): Delivery => {
      const args = [...head];
      for (const c of candidates) {
        const built =
          (withRecords || c.mode === 'manual' || c.eager === true) && c.build
            ? c.build()
            : undefined;
        const state: RunState | undefined = built
          ? { ...built.state, outputs: {}, secretValues: [] }
          : undefined;
        args.push(
          c.plan,
          c.mode,
          c.run ?? '',
          built ? JSON.stringify(built.run) : '',
          state ? JSON.stringify(state) : '',
        );
      }
      return { keys, args, candidates: candidates.length };
    };
    let res = await this.batch.submit(delivery(false));
    if (res === 'NeedRecords') res = await this.batch.submit(delivery(true));
    if (res === 'NeedRecords') throw new Error('the start script asked twice for run records');
    if (res === 'PlansChanged') return 'PlansChanged';
    return candidates.map((c, i) => {
      const outcome = res[i * 3] as StartOutcome['outcome'];
      const run = res[i * 3 + 1] ?? '';
      const reason = res[i * 3 + 2] ?? '';
      return { plan: c.plan, outcome, ...(run ? { run } : {}), ...(reason ? { reason } : {}) };
    });
  }

  async loadState(name: string): Promise<RunState | undefined> {
    const raw = await this.redis.hget(this.keys.runState(name), 'state');
    return raw === null ? undefined : (JSON.parse(raw) as RunState);
  }

  /** Persists outputs before the step that produced them is marked done. */
  async saveState(name: string, state: RunState): Promise<void> {
    await this.redis.hset(this.keys.runState(name), 'state', JSON.stringify(state));
  }

  /** Frees the plan's gate and, after a success, starts its cooldown. Idempotent. */
  async release(
    plan: string,
    name: string,
    cooldown?: { finishedAt: string; seconds: number },
  ): Promise<void> {
    let value = '';
    let ttl = 0;
    if (cooldown && cooldown.seconds > 0) {
      const until = Date.parse(cooldown.finishedAt) + cooldown.seconds * 1000;
      ttl = until - Date.now();
      value = `${name}|${new Date(until).toISOString()}`;
    }
    const keys = [
      this.keys.active(plan),
      this.keys.cooldown(plan),
      this.keys.unfinished,
      this.keys.runState(name),
    ];
    await (this.redis as unknown as WithScripts).lifeboatReleaseRun(
      keys.length,
      ...keys,
      name,
      ttl > 0 ? value : '',
      String(Math.max(0, Math.ceil(ttl))),
    );
  }

  /** Runs not yet finished, run name → plan name. */
  async unfinished(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.keys.unfinished)));
  }

  writer(run: RecoveryRun): RunWriter {
    return new RunWriter(this.store, this.runKey(run.metadata.name), run);
  }
}

/** Writes one run's record, each write conditional on the version this writer last saw. */
export class RunWriter {
  constructor(
    private readonly store: RedisStore,
    private readonly key: StoreKey,
    private current: RecoveryRun,
  ) {}

  get run(): RecoveryRun {
    return this.current;
  }

  /** Applies `mutate` to a copy and commits it; SupersededError if anyone else wrote the record since. */
  async update(mutate: (run: RecoveryRun) => void): Promise<RecoveryRun> {
    const next = structuredClone(this.current);
    mutate(next);
    const rv = this.current.metadata.resourceVersion ?? '';
    try {
      const [newRv] = await this.store.commit([
        {
          op: 'put',
          key: this.key,
          object: next as unknown as KubeObject,
          expect: { type: 'rv', rv },
        },
      ]);
      next.metadata.resourceVersion = newRv;
      this.current = next;
      return next;
    } catch (err) {
      if (err instanceof PreconditionFailed) {
        if (err.notFound)
          throw new NotFoundError(`RecoveryRun ${this.key.name} was deleted while it ran`);
        throw new SupersededError(this.key.name);
      }
      throw err;
    }
  }
}
