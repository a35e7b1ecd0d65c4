/** The DR drill: continuous MongoDB writes through HAProxy, a kill, a report. */
export { runDrill } from './drill.js';
export type { DrillHooks, DrillOptions, DrillResult } from './drill.js';
export { computeDrillReport, drillTargets, formatDrillSummary } from './report.js';
export type { DrillObservations, DrillReport } from './report.js';
export { DrillWriter, drillUrl, readBackIds, writeRefused } from './writer.js';
export type { Ack, DrillWriterOptions } from './writer.js';
