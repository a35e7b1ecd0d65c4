import { describe, expect, it } from 'vitest';
import { computeDrillReport, formatDrillSummary } from './report.js';
import type { DrillObservations } from './report.js';

const t0 = Date.parse('2026-11-22T10:00:00.000Z');
const base: DrillObservations = {
  killedCluster: 'cluster-1',
  replicationMode: 'sync',
  startedAt: t0,
  killAt: t0 + 3_000,
  acks: [
    { id: 1, at: t0 + 1_000 },
    { id: 2, at: t0 + 2_900 },
    { id: 5, at: t0 + 7_400 },
    { id: 6, at: t0 + 7_500 },
  ],
  present: new Set([1, 2, 3, 5, 6]),
  failedAttempts: 2,
  alertReceivedAt: t0 + 5_000,
  planDoneAt: t0 + 5_300,
  planRan: true,
  planName: 'psql-primary-failover-plan',
  cluster1ReturnedAsStandby: true,
  events: [
    {
      at: new Date(t0 + 500).toISOString(),
      source: 'percona-standin/cluster-2',
      event: 'promoted',
      ms: 999,
    },
    {
      at: new Date(t0 + 5_100).toISOString(),
      source: 'percona-standin/cluster-2',
      event: 'promoted',
      ms: 150,
    },
    {
      at: new Date(t0 + 5_200).toISOString(),
      source: 'haproxy-standin',
      event: 'haproxy-reloaded',
      ms: 40,
      clusters: ['cluster-2'],
    },
    {
      at: new Date(t0 + 9_000).toISOString(),
      source: 'percona-standin/cluster-1',
      event: 'demoted',
      ms: 900,
      method: 'rewind',
      rewindMs: 300,
    },
  ],
};

describe('computeDrillReport', () => {
  it('times the failover from the marks and counts no loss when every ack is there', () => {
    expect(computeDrillReport(base)).toStrictEqual({
      killedCluster: 'cluster-1',
      replicationMode: 'sync',
      startedAt: '2026-11-22T10:00:00.000Z',
      killStartedAt: '2026-11-22T10:00:03.000Z',
      killAt: '2026-11-22T10:00:03.000Z',
      detectionSeconds: 2,
      alertToPlanDoneSeconds: 0.3,
      rtoSeconds: 4.5,
      writesResumed: true,
      acknowledgedWrites: 4,
      lostAcknowledgedWrites: 0,
      lostIdsSample: [],
      unacknowledgedButPresent: 1,
      failedAttempts: 2,
      planRan: true,
      planName: 'psql-primary-failover-plan',
      cluster1ReturnedAsStandby: true,
      pieces: {
        promoteMs: 150,
        demoteMs: 900,
        demoteMethod: 'rewind',
        rewindMs: 300,
        haproxyReloadMs: 40,
        killToHaproxySwitchSeconds: 2.2,
      },
      targets: { rtoSeconds: 10, alertToPlanDoneSeconds: 1, lostAcknowledgedWrites: 0 },
      notes: [],
    });
  });

  it('counts acknowledged writes missing from the new primary as lost', () => {
    const r = computeDrillReport({
      ...base,
      replicationMode: 'async',
      present: new Set([1, 5, 6]),
    });
    expect(r.lostAcknowledgedWrites).toBe(1);
    expect(r.lostIdsSample).toStrictEqual([2]);
  });

  it('reports no RTO and no plan when writes never resumed and nothing matched', () => {
    const r = computeDrillReport({
      ...base,
      killedCluster: 'cluster-2',
      acks: base.acks.slice(0, 2),
      alertReceivedAt: null,
      planDoneAt: null,
      planRan: false,
      planName: null,
    });
    expect(r).toMatchObject({
      rtoSeconds: null,
      writesResumed: false,
      detectionSeconds: null,
      planRan: false,
    });
    expect(formatDrillSummary(r)).toContain('none (no plan matched the alert)');
    expect(formatDrillSummary(r)).toContain('writes did not resume  (target missed)');
    // The revived cluster is the one that was killed, here the standby.
    expect(formatDrillSummary(r)).toContain('cluster-2 as standby:  yes');
  });

  it('summarises against the targets', () => {
    const text = formatDrillSummary(computeDrillReport(base));
    expect(text).toContain('RTO:                   4.50 s  (target met)');
    expect(text).toContain('lost acknowledged:     0  (target met)');
    expect(text).toContain('promote 150 ms, HAProxy reload 40 ms');
  });
});
