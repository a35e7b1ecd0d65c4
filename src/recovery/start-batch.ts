/**
 * Gathers the run starts (alert deliveries, manual starts) that arrive together and sends
 * them to Redis as one start script call (see scripts.ts): up to MAX_BATCH at once, the
 * rest of an event-loop turn's at its end. During an alert storm many webhook requests
 * are read in the same turn; one call for several costs Redis and this process a
 * fraction of one call each, and each delivery is still decided and written atomically,
 * in order.
 */

/** One delivery's share of the script's KEYS and ARGV (see START_SCRIPT). */
export interface Delivery {
  keys: readonly string[];
  args: readonly string[];
  candidates: number;
}

/** Per delivery: the outcome triples, or why nothing was written. */
export type DeliveryAnswer = string[] | 'PlansChanged' | 'NeedRecords';

/**
 * Deliveries per call. A full batch goes out at once, so Redis works on it while this
 * process still reads the next requests; on the bench (`bench/webhook.ts`) 4–8 gave the
 * most notifications/s, 16–32 fewer (the process waits on one long script), 1–2 fewer
 * (a call per delivery). It also bounds how long one script holds Redis.
 */
export const MAX_BATCH = 4;

interface Waiting {
  delivery: Delivery;
  resolve(answer: DeliveryAnswer): void;
  reject(err: unknown): void;
}

export class StartBatch {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly send: (deliveries: readonly Delivery[]) => Promise<string[]>) {}

  submit(delivery: Delivery): Promise<DeliveryAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ delivery, resolve, reject });
      if (this.waiting.length >= MAX_BATCH) {
        const full = this.waiting;
        this.waiting = [];
        void this.call(full);
      } else if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: the requests read in it join the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    if (all.length > 0) void this.call(all);
  }

  private async call(batch: Waiting[]): Promise<void> {
    let res: string[];
    try {
      res = await this.send(batch.map((w) => w.delivery));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    let at = 0;
    for (const w of batch) {
      const status = res[at++];
      if (status === 'Done') {
        const n = w.delivery.candidates * 3;
        w.resolve(res.slice(at, at + n));
        at += n;
      } else if (status === 'PlansChanged' || status === 'NeedRecords') {
        w.resolve(status);
      } else {
        w.reject(new Error(`the start script answered ${String(status)} for a delivery`));
      }
    }
  }
}
