import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLabEvents } from '../events.js';
import { computeDrillReport, formatDrillSummary } from './report.js';
import type { DrillReport } from './report.js';
import { DrillWriter, readBackIds } from './writer.js';

/** What the drill asks of the lab and of lifeboat; the `lab drill` command supplies them. */
export interface DrillHooks {
  /** Kills the cluster (`lab kill cluster-1`). */
  kill: () => Promise<void>;
  /** Brings it back (`lab revive cluster-1`); skipped when absent. */
  revive?: () => Promise<void>;
  /**
   * When lifeboat received the alert and when the plan it started finished, from its
   * ReceivedAlert / RecoveryRun records; null fields when nothing happened.
   */
  planTimeline?: () => Promise<{
    alertReceivedAt: number | null;
    planDoneAt: number | null;
    planRan: boolean;
    planName: string | null;
  }>;
  /** True when the revived cluster is a standby: a write to it is refused. */
  revivedIsStandby?: () => Promise<boolean>;
}

/** Options of {@link runDrill}. */
export interface DrillOptions {
  /** The lab directory: the report goes to `<dir>/drill-report.json`. */
  dir: string;
  /** MongoDB URL of HAProxy's entry point ({@link drillUrl}). */
  url: string;
  killedCluster: string;
  replicationMode: 'sync' | 'async';
  hooks: DrillHooks;
  /** Writing before the kill. Default 3 s. */
  warmupMs?: number;
  /** Longest wait for writes to resume after the kill. Default 60 s. */
  recoveryTimeoutMs?: number;
  /** Writing on after they resumed (and after the revive). Default 2 s. */
  settleMs?: number;
  /** Longest wait for the plan's timeline after writes resumed (or did not). Default 10 s. */
  planTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

/** The drill's outcome: the report, where it was written, and its summary. */
export interface DrillResult {
  report: DrillReport;
  reportPath: string;
  summary: string;
}

/**
 * The DR drill: a MongoDB client writes numbered documents through HAProxy without
 * pause; the cluster is killed; the drill waits for writes to resume (bounded), revives
 * the cluster, reads everything back from the new primary, and writes
 * `<dir>/drill-report.json` (detection, alert → plan done, RTO, lost acknowledged writes,
 * whether cluster-1 returned as standby). Timings are reported, never asserted.
 */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const progress = options.onProgress ?? (() => undefined);
  const writer = new DrillWriter({ url: options.url });
  const startedAt = Date.now();
  const notes: string[] = [];
  writer.start();
  let killStartedAt = 0;
  let killAt = 0;
  let cluster1ReturnedAsStandby: boolean | null = null;
  try {
    const warmupDeadline = Date.now() + 30_000;
    await sleep(options.warmupMs ?? 3_000);
    while (writer.acks.length === 0) {
      if (Date.now() > warmupDeadline)
        throw new Error(
          `no write through ${options.url} was acknowledged in 30 s: is the lab up ('lifeboat lab up')?`,
        );
      await sleep(100);
    }
    progress(
      `drill: ${String(writer.acks.length)} writes acknowledged; killing ${options.killedCluster}`,
    );
    killStartedAt = Date.now();
    await options.hooks.kill();
    // Writes acknowledged while the kill was under way were served before the crash:
    // the kill counts from the moment every process of the cluster is gone.
    killAt = Date.now();
    progress(
      `drill: ${options.killedCluster} killed in ${String(killAt - killStartedAt)} ms; waiting for writes to resume`,
    );
    if (killAt - killStartedAt > 500)
      notes.push(
        `the kill took ${String(killAt - killStartedAt)} ms; timings count from its end, so work done meanwhile (an alert, a promotion) may look early`,
      );

    const resumeDeadline = killAt + (options.recoveryTimeoutMs ?? 60_000);
    while (!writer.firstAckAfter(killAt) && Date.now() < resumeDeadline) await sleep(50);
    const resumed = writer.firstAckAfter(killAt);
    if (resumed)
      progress(
        `drill: writes resumed ${((resumed.at - killAt) / 1000).toFixed(2)} s after the kill`,
      );
    else {
      progress(
        `drill: writes did not resume within ${String((options.recoveryTimeoutMs ?? 60_000) / 1000)} s`,
      );
      notes.push('writes did not resume within the recovery timeout');
    }
    await sleep(options.settleMs ?? 2_000);

    if (options.hooks.revive) {
      progress(`drill: reviving ${options.killedCluster}`);
      await options.hooks.revive();
      if (options.hooks.revivedIsStandby) {
        cluster1ReturnedAsStandby = await options.hooks.revivedIsStandby();
        progress(
          `drill: ${options.killedCluster} returned as standby: ${cluster1ReturnedAsStandby ? 'yes' : 'NO'}`,
        );
      }
      await sleep(options.settleMs ?? 2_000);
    }
  } finally {
    await writer.stop();
  }

  const present = await readBackIds(
    options.url,
    writer.database,
    writer.collection,
    30_000,
    writer.firstId,
  );
  let timeline = {
    alertReceivedAt: null as number | null,
    planDoneAt: null as number | null,
    planRan: null as boolean | null,
    planName: null as string | null,
  };
  if (options.hooks.planTimeline) {
    const deadline = Date.now() + (options.planTimeoutMs ?? 10_000);
    for (;;) {
      const t = await options.hooks.planTimeline();
      timeline = t;
      if (
        (t.alertReceivedAt !== null && (t.planDoneAt !== null || !t.planRan)) ||
        Date.now() > deadline
      )
        break;
      await sleep(250);
    }
  }
  const report = computeDrillReport({
    killedCluster: options.killedCluster,
    replicationMode: options.replicationMode,
    startedAt,
    killStartedAt,
    killAt,
    acks: writer.acks,
    present,
    failedAttempts: writer.failedAttempts,
    ...timeline,
    cluster1ReturnedAsStandby,
    events: (await readLabEvents(options.dir)).filter((e) => Date.parse(e.at) >= startedAt),
    notes,
  });
  const reportPath = path.join(options.dir, 'drill-report.json');
  await mkdir(options.dir, { recursive: true });
  await writeFile(reportPath, JSON.stringify(report, null, 2) + '\n');
  return { report, reportPath, summary: formatDrillSummary(report) };
}
