import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';

/** A write the server acknowledged: document `id` was confirmed durable at `at` (ms epoch). */
export interface Ack {
  id: number;
  at: number;
}

/** Connection string for the drill: one server, fail fast, no hidden retries. */
export function drillUrl(host: string, port: number): string {
  const params = new URLSearchParams({
    directConnection: 'true',
    // The drill counts acknowledgements itself; a driver retry would blur them.
    retryWrites: 'false',
    serverSelectionTimeoutMS: '1000',
    connectTimeoutMS: '1000',
    socketTimeoutMS: '3000',
    heartbeatFrequencyMS: '500',
    maxPoolSize: '2',
  });
  return `mongodb://${host}:${String(port)}/?${params.toString()}`;
}

/** Options of {@link DrillWriter}. */
export interface DrillWriterOptions {
  /** A MongoDB URL (HAProxy's entry point); see {@link drillUrl}. */
  url: string;
  database?: string;
  collection?: string;
  /** Pause after a failed write, so an outage costs no CPU. Default 50 ms. */
  retryDelayMs?: number;
  /** Stop by itself after this many documents (a bound, not a target). Default 1,000,000. */
  maxDocuments?: number;
}

/**
 * Writes numbered documents `{_id: n}` one after another, without pause, with
 * `writeConcern {w: 1, j: true}`, and records which were acknowledged and when. A failed
 * write is not retried (its number is skipped: it may or may not have landed, and the
 * read-back tells), so every acknowledged id is one the server confirmed.
 */
export class DrillWriter {
  readonly acks: Ack[] = [];
  /** Failed attempts, by error message. */
  readonly failures = new Map<string, number>();
  /**
   * Ids start at a per-drill base (ms since the epoch × 1000), so every drill writes the
   * one `drill` collection without clashing with earlier drills' documents. One
   * collection matters: FerretDB 1.x caches collection metadata, so a collection created
   * on the primary after the standby's FerretDB started is unknown to it after promotion.
   */
  readonly firstId = Date.now() * 1000;
  private next = this.firstId;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly client: MongoClient;
  constructor(private readonly options: DrillWriterOptions) {
    this.client = new MongoClient(options.url);
  }

  /** Name of the collection written to. */
  get collection(): string {
    return this.options.collection ?? 'drill';
  }

  get database(): string {
    return this.options.database ?? 'lifeboat_drill';
  }

  /** Number of failed attempts. */
  get failedAttempts(): number {
    let n = 0;
    for (const c of this.failures.values()) n += c;
    return n;
  }

  /** Starts writing in the background. */
  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const coll = this.client
      .db(this.database)
      .collection<{ _id: number; at: Date }>(this.collection);
    const max = this.options.maxDocuments ?? 1_000_000;
    while (!this.stopping && this.next - this.firstId < max) {
      const id = this.next++;
      try {
        await coll.insertOne(
          { _id: id, at: new Date() },
          { writeConcern: { w: 1, journal: true } },
        );
        this.acks.push({ id, at: Date.now() });
      } catch (err) {
        const message = (err as Error).message.slice(0, 160);
        this.failures.set(message, (this.failures.get(message) ?? 0) + 1);
        await sleep(this.options.retryDelayMs ?? 50);
      }
    }
  }

  /** Time of the last acknowledgement at or before `t`, if any. */
  lastAckBefore(t: number): Ack | undefined {
    for (let i = this.acks.length - 1; i >= 0; i--) {
      const a = this.acks[i];
      if (a && a.at <= t) return a;
    }
    return undefined;
  }

  /** First acknowledgement after `t`, if any. */
  firstAckAfter(t: number): Ack | undefined {
    return this.acks.find((a) => a.at > t);
  }

  /** Stops writing (the write in flight finishes or fails) and closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.client.close(true);
  }
}

/**
 * Reads every `_id` of the drill's collection through `url` (after the failover: from the
 * new primary), retrying for up to `timeoutMs` while the entry point is not serving.
 */
export async function readBackIds(
  url: string,
  database: string,
  collection: string,
  timeoutMs = 30_000,
  fromId = 0,
): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new MongoClient(url);
    try {
      const docs = await client
        .db(database)
        .collection<{ _id: number }>(collection)
        .find({ _id: { $gte: fromId } }, { projection: { _id: 1 } })
        .toArray();
      return new Set(docs.map((d) => d._id));
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    } finally {
      await client.close(true);
    }
  }
}

/**
 * True when a write through `url` is refused (a standby's FerretDB: PostgreSQL answers
 * "cannot execute INSERT in a read-only transaction"); false when it is accepted.
 * Connection failures throw: they say nothing about the role.
 */
export async function writeRefused(
  url: string,
  database = 'lifeboat_drill',
): Promise<{ refused: boolean; error?: string }> {
  const client = new MongoClient(url);
  try {
    await client.connect();
    try {
      await client.db(database).collection('standby_probe').insertOne({ at: new Date() });
      return { refused: false };
    } catch (err) {
      return { refused: true, error: (err as Error).message };
    }
  } finally {
    await client.close(true);
  }
}
