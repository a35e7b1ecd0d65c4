/**
 * ReceivedAlert retention: one record per delivered alert would grow forever, so the
 * sweeper deletes those older than `maxAgeSeconds` and the oldest beyond the newest
 * `maxCount`, never one an unfinished run refers to (see PRUNE_SCRIPT). The start script
 * indexes every record it writes by received time, so a pass costs a range read on a
 * sorted set, not a scan of the records.
 */
import type { Logger } from 'pino';
import { ALERT_KIND, RUN_KIND } from './keys.js';
import type { RunStore } from './run-store.js';
import { PRUNE_SCRIPT } from './scripts.js';

export interface AlertRetention {
  /** Delete alerts received longer ago than this; 0 keeps them whatever their age. */
  maxAgeSeconds: number;
  /** Keep at most this many (the newest); 0 keeps any number. */
  maxCount: number;
}

/** 7 days, 10,000 alerts: an incident's history stays readable, Redis stays small. */
export const DEFAULT_ALERT_RETENTION: AlertRetention = {
  maxAgeSeconds: 7 * 86_400,
  maxCount: 10_000,
};

/**
 * Deletes per script call: short, so Redis is never blocked for long and other commands
 * run between calls. A pass makes up to 200 calls (100,000 deletes), enough to keep up
 * with a sustained 10,000 alerts a second at the default 10 s sweep interval.
 */
const BATCH = 500;
const MAX_BATCHES = 200;

interface WithPrune {
  lifeboatPruneAlerts(numKeys: number, ...args: string[]): Promise<[number, number]>;
}

/** Records written before the index existed (or through the generic API) get indexed. */
async function backfillIndex(runs: RunStore): Promise<void> {
  const hash = runs.keys.objects(ALERT_KIND);
  const [[, records], [, indexed]] = ((await runs.redis
    .pipeline()
    .hlen(hash)
    .zcard(runs.keys.alertIndex)
    .exec()) ?? []) as [[unknown, number], [unknown, number]];
  if (records <= indexed) return;
  let cursor = '0';
  do {
    const [next, flat] = await runs.redis.hscan(hash, cursor, 'COUNT', 1000);
    cursor = next;
    const args: (string | number)[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i] ?? '';
      const raw = flat[i + 1] ?? '';
      let ms = Date.now();
      try {
        const obj = JSON.parse(raw.slice(raw.indexOf('|') + 1)) as {
          metadata?: { creationTimestamp?: string };
        };
        ms = Date.parse(obj.metadata?.creationTimestamp ?? '') || ms;
      } catch {
        // Unreadable record: indexed as received now, so it ages out like any other.
      }
      args.push(ms, field);
    }
    if (args.length > 0) await runs.redis.zadd(runs.keys.alertIndex, 'NX', ...args);
  } while (cursor !== '0');
}

/** One retention pass; returns how many ReceivedAlerts it deleted. */
export async function pruneAlerts(
  runs: RunStore,
  retention: AlertRetention,
  logger: Logger,
  now = Date.now(),
): Promise<number> {
  if (retention.maxAgeSeconds <= 0 && retention.maxCount <= 0) return 0;
  const redis = runs.redis as RunStore['redis'] & Partial<WithPrune>;
  if (!redis.lifeboatPruneAlerts) redis.defineCommand('lifeboatPruneAlerts', { lua: PRUNE_SCRIPT });
  await backfillIndex(runs);
  const keys = [
    runs.keys.objects(ALERT_KIND),
    runs.keys.alertIndex,
    runs.keys.unfinished,
    runs.keys.objects(RUN_KIND),
    runs.keys.generations,
  ];
  const cutoff = retention.maxAgeSeconds > 0 ? now - retention.maxAgeSeconds * 1000 : -1;
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const [deleted, examined] = await (redis as unknown as WithPrune).lifeboatPruneAlerts(
      keys.length,
      ...keys,
      ALERT_KIND,
      String(cutoff),
      String(Math.max(0, retention.maxCount)),
      String(BATCH),
    );
    total += deleted;
    // A short batch means nothing more is due; a batch of only protected alerts means the same.
    if (examined < BATCH || deleted === 0) break;
  }
  if (total > 0) logger.info({ deleted: total, ...retention }, 'pruned old ReceivedAlerts');
  return total;
}
