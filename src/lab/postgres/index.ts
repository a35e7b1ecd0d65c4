/**
 * The lab's PostgreSQL: a primary for cluster-1 and a streaming standby for cluster-2
 * (Debian's PostgreSQL, run as the `postgres` user), with the operations failover needs:
 * promote, demote with pg_rewind (or a fresh base backup), role and LSN probes.
 */
export { formatLsn, compareLsn, parseLsn, pickPromotionCandidate } from './lsn.js';
export type { PromotionCandidate } from './lsn.js';
export { primaryConninfo, renderHba, renderPostgresConf, slotName } from './conf.js';
export type { FollowTarget, PostgresConfInput } from './conf.js';
export { pgAnswers, probePg, withPg } from './sql.js';
export type { PgAddress, PgProbe, ReplicationPeer } from './sql.js';
export {
  currentLsn,
  dataDir,
  demotePostgres,
  ensureDatabase,
  ensureSlot,
  initPrimary,
  initStandby,
  isInitialized,
  isInRecovery,
  killPostgres,
  postgresNode,
  postgresRunning,
  postgresServiceName,
  probePostgres,
  promotePostgres,
  readConf,
  reconcileSynchronous,
  reloadPostgres,
  startPostgres,
  stopPostgres,
  waitForStreaming,
  writeConf,
} from './instance.js';
export type { DemoteResult, PostgresNode } from './instance.js';
export { postgresNodes, startPostgresPair } from './pair.js';
export type { PostgresPair } from './pair.js';
export { pgBinDir, pgUser } from './system.js';
