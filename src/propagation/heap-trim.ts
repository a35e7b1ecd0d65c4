/**
 * Gives memory back after a burst of propagation work.
 *
 * Propagating 10,000 objects allocates a few GiB of short-lived garbage (apply answers,
 * list pages). V8 grows its heap to keep up and, once the burst is over, may keep that
 * heap for minutes: `lifeboat serve` measured 264 MiB of RSS with 50 MiB of live heap
 * (bench/propagation.ts, docs/propagation.md#speed). A single full GC when the workers
 * fall quiet after a burst returns it — no heap cap needed, whatever flags node runs with.
 *
 * `gc` is reached without `--expose-gc` on the command line: the flag is set at run time
 * and a fresh context exposes the function. If that ever stops working, trimming is
 * simply off.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let fullGc: (() => void) | null | undefined;

/** The full GC function, or null when it cannot be reached. */
export function gcFunction(): (() => void) | null {
  if (fullGc !== undefined) return fullGc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    fullGc = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    fullGc = null;
  }
  return fullGc;
}

export class HeapTrim {
  private work = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param idle true when no worker has anything queued or in flight.
   * @param minWork operations since the last trim that make a burst worth a full GC.
   * @param collect the full GC (tests pass their own).
   */
  constructor(
    private readonly idle: () => boolean,
    private readonly minWork = 2_000,
    private readonly checkMs = 2_000,
    private readonly collect: () => (() => void) | null = gcFunction,
  ) {}

  /** Counts one finished apply or prune. */
  did(): void {
    this.work++;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.work < this.minWork || !this.idle()) return;
      const gc = this.collect();
      if (!gc) return;
      this.work = 0;
      gc();
    }, this.checkMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
