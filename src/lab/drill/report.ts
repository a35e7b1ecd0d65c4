/**
 * The drill's report (pure): timings from wall-clock marks, and lost acknowledged writes
 * from what was acknowledged vs what the new primary has.
 */
import type { LabEvent } from '../events.js';
import type { Ack } from './writer.js';

/** The targets the README compares against (reported, never asserted). */
export const drillTargets = {
  /** Kill → first acknowledged write after, including detection. KubeDB in-cluster: 2–10 s. */
  rtoSeconds: 10,
  /** Alert received by lifeboat → HAProxy serving cluster-2. */
  alertToPlanDoneSeconds: 1,
  /** In synchronous mode. */
  lostAcknowledgedWrites: 0,
};

/** `.lifeboat/lab/drill-report.json`. */
export interface DrillReport {
  killedCluster: string;
  replicationMode: 'sync' | 'async';
  startedAt: string;
  /** When the kill began. */
  killStartedAt: string;
  /** When every process of the killed cluster was gone: the reference for every timing. */
  killAt: string;
  /** Kill → lifeboat received the alert (null: no alert reached lifeboat). */
  detectionSeconds: number | null;
  /** Alert received → the plan's last step done (HAProxy repointed); null if no plan ran. */
  alertToPlanDoneSeconds: number | null;
  /** Last acknowledged write before the kill → first after (null: writes never resumed). */
  rtoSeconds: number | null;
  writesResumed: boolean;
  acknowledgedWrites: number;
  lostAcknowledgedWrites: number;
  /** Up to 20 of the lost ids, to look them up. */
  lostIdsSample: number[];
  /** Writes that failed from the client's view but landed anyway (not a loss). */
  unacknowledgedButPresent: number;
  failedAttempts: number;
  /** Whether a recovery plan ran for the alert (false when killing cluster-2: nothing matches). */
  planRan: boolean | null;
  planName: string | null;
  cluster1ReturnedAsStandby: boolean | null;
  /** The failover's parts, from the lab's events (null when it did not happen). */
  pieces: {
    promoteMs: number | null;
    demoteMs: number | null;
    demoteMethod: string | null;
    rewindMs: number | null;
    haproxyReloadMs: number | null;
    /** Kill → HAProxy reloaded onto another cluster. */
    killToHaproxySwitchSeconds: number | null;
  };
  targets: typeof drillTargets;
  notes: string[];
}

/** Everything {@link computeDrillReport} needs; times are ms since the epoch. */
export interface DrillObservations {
  killedCluster: string;
  replicationMode: 'sync' | 'async';
  startedAt: number;
  /** When the kill began (defaults to `killAt`). */
  killStartedAt?: number;
  /** When every process of the killed cluster was gone. */
  killAt: number;
  acks: readonly Ack[];
  /** Every id the read-back found on the new primary. */
  present: ReadonlySet<number>;
  failedAttempts: number;
  alertReceivedAt: number | null;
  planDoneAt: number | null;
  planRan: boolean | null;
  planName: string | null;
  cluster1ReturnedAsStandby: boolean | null;
  /** Lab events since the drill started. */
  events: readonly LabEvent[];
  notes?: string[];
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms) / 1000;
}

function eventAfter(
  events: readonly LabEvent[],
  name: string,
  after: number,
): LabEvent | undefined {
  return events.find((e) => e.event === name && Date.parse(e.at) >= after);
}

/** Computes the drill report from what was observed (pure). */
export function computeDrillReport(o: DrillObservations): DrillReport {
  let lastBefore: Ack | undefined;
  let firstAfter: Ack | undefined;
  for (const a of o.acks) {
    if (a.at <= o.killAt) lastBefore = a;
    else if (!firstAfter) firstAfter = a;
  }
  const acked = new Set(o.acks.map((a) => a.id));
  const lost = o.acks.filter((a) => !o.present.has(a.id)).map((a) => a.id);
  let unackedPresent = 0;
  for (const id of o.present) if (!acked.has(id)) unackedPresent++;

  const promoted = eventAfter(o.events, 'promoted', o.killAt);
  const demoted = eventAfter(o.events, 'demoted', o.killAt);
  const reload = o.events.find(
    (e) =>
      e.event === 'haproxy-reloaded' &&
      Date.parse(e.at) >= o.killAt &&
      Array.isArray(e.clusters) &&
      !(e.clusters as unknown[]).includes(o.killedCluster),
  );
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

  return {
    killedCluster: o.killedCluster,
    replicationMode: o.replicationMode,
    startedAt: new Date(o.startedAt).toISOString(),
    killStartedAt: new Date(o.killStartedAt ?? o.killAt).toISOString(),
    killAt: new Date(o.killAt).toISOString(),
    detectionSeconds: seconds(o.alertReceivedAt === null ? null : o.alertReceivedAt - o.killAt),
    alertToPlanDoneSeconds: seconds(
      o.alertReceivedAt === null || o.planDoneAt === null ? null : o.planDoneAt - o.alertReceivedAt,
    ),
    rtoSeconds: seconds(lastBefore && firstAfter ? firstAfter.at - lastBefore.at : null),
    writesResumed: firstAfter !== undefined,
    acknowledgedWrites: o.acks.length,
    lostAcknowledgedWrites: lost.length,
    lostIdsSample: lost.slice(0, 20),
    unacknowledgedButPresent: unackedPresent,
    failedAttempts: o.failedAttempts,
    planRan: o.planRan,
    planName: o.planName,
    cluster1ReturnedAsStandby: o.cluster1ReturnedAsStandby,
    pieces: {
      promoteMs: num(promoted?.ms),
      demoteMs: num(demoted?.ms),
      demoteMethod: typeof demoted?.method === 'string' ? demoted.method : null,
      rewindMs: num(demoted?.rewindMs),
      haproxyReloadMs: num(reload?.ms),
      killToHaproxySwitchSeconds: seconds(reload ? Date.parse(reload.at) - o.killAt : null),
    },
    targets: drillTargets,
    notes: o.notes ?? [],
  };
}

function fmt(value: number | null, unit = 's'): string {
  if (value === null) return 'n/a';
  return unit === 'ms'
    ? `${String(Math.round(value))} ms`
    : `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

function verdict(ok: boolean | null): string {
  return ok === null ? '' : ok ? '  (target met)' : '  (target missed)';
}

/** A readable summary of `report` for the terminal (pure). */
export function formatDrillSummary(report: DrillReport): string {
  const t = report.targets;
  const lines = [
    `DR drill: killed ${report.killedCluster} at ${report.killAt} (${report.replicationMode} replication)`,
    `  plan run:              ${report.planRan === null ? 'unknown' : report.planRan ? (report.planName ?? 'yes') : 'none (no plan matched the alert)'}`,
    `  detection:             ${fmt(report.detectionSeconds)}  (kill -> alert at lifeboat)`,
    `  alert -> plan done:    ${fmt(report.alertToPlanDoneSeconds)}${verdict(report.alertToPlanDoneSeconds === null ? null : report.alertToPlanDoneSeconds <= t.alertToPlanDoneSeconds)}  (target <= ${String(t.alertToPlanDoneSeconds)} s)`,
    `  RTO:                   ${report.writesResumed ? fmt(report.rtoSeconds) : 'writes did not resume'}${verdict(report.rtoSeconds === null ? (report.writesResumed ? null : false) : report.rtoSeconds <= t.rtoSeconds)}  (last write before the kill -> first after; target <= ${String(t.rtoSeconds)} s)`,
    `  acknowledged writes:   ${String(report.acknowledgedWrites)}`,
    `  lost acknowledged:     ${String(report.lostAcknowledgedWrites)}${report.replicationMode === 'sync' ? verdict(report.lostAcknowledgedWrites === 0) : '  (asynchronous: reported, no target)'}`,
    `  failed attempts:       ${String(report.failedAttempts)} (${String(report.unacknowledgedButPresent)} of them landed anyway)`,
    `  ${report.killedCluster} as standby:  ${report.cluster1ReturnedAsStandby === null ? 'not checked' : report.cluster1ReturnedAsStandby ? 'yes (a write to it is refused)' : 'NO'}`,
    `  pieces:                promote ${fmt(report.pieces.promoteMs, 'ms')}, HAProxy reload ${fmt(report.pieces.haproxyReloadMs, 'ms')}, kill -> HAProxy switched ${fmt(report.pieces.killToHaproxySwitchSeconds)}` +
      (report.pieces.demoteMethod
        ? `, demote (${report.pieces.demoteMethod}) ${fmt(report.pieces.demoteMs, 'ms')}`
        : ''),
    ...report.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}
