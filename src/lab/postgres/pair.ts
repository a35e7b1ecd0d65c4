import type { LabTopology } from '../topology/topology.js';
import { requirePrerequisites, labPrerequisites } from '../processes/prerequisites.js';
import {
  ensureDatabase,
  ensureSlot,
  initPrimary,
  initStandby,
  isInitialized,
  postgresNode,
  reconcileSynchronous,
  startPostgres,
  waitForStreaming,
} from './instance.js';
import type { PostgresNode } from './instance.js';

/** The two PostgreSQL nodes of the lab: cluster-1's and cluster-2's. */
export interface PostgresPair {
  primary: PostgresNode;
  standby: PostgresNode;
}

/** The lab's PostgreSQL nodes in topology order (initial primary first). */
export function postgresNodes(topology: LabTopology): PostgresPair {
  return {
    primary: postgresNode(topology.dir, topology.databases[0]),
    standby: postgresNode(topology.dir, topology.databases[1]),
  };
}

/**
 * Creates (first time) and starts the lab's PostgreSQL pair: a primary for cluster-1
 * with database `topology.database`, and a streaming standby for cluster-2 made with
 * pg_basebackup through a replication slot. In `sync` mode the primary then waits for
 * the standby on every commit. Nodes that already exist are started with their data
 * in whatever role they had (after a failover cluster-2 stays primary).
 */
export async function startPostgresPair(
  topology: LabTopology,
  onProgress: (line: string) => void = () => undefined,
): Promise<PostgresPair> {
  await requirePrerequisites([labPrerequisites.postgres]);
  const pair = postgresNodes(topology);
  const { primary, standby } = pair;
  const fresh = !(await isInitialized(primary));
  const t0 = Date.now();
  if (await initPrimary(primary)) onProgress(`${primary.cluster}: PostgreSQL initialized`);
  await startPostgres(primary);
  if (fresh) await ensureDatabase(primary, topology.database);
  onProgress(`${primary.cluster}: PostgreSQL on ${primary.host}:${String(primary.port)}`);
  if (!(await isInitialized(standby))) {
    await ensureSlot({ host: primary.host, port: primary.port }, standby.cluster);
    await initStandby(standby, { host: primary.host, port: primary.port });
    onProgress(`${standby.cluster}: standby created with pg_basebackup`);
  }
  await startPostgres(standby);
  onProgress(`${standby.cluster}: PostgreSQL on ${standby.host}:${String(standby.port)}`);
  if (fresh) {
    await waitForStreaming(primary, standby.cluster);
    await reconcileSynchronous(primary, topology.replication);
    onProgress(
      `PostgreSQL pair ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${topology.replication} replication)`,
    );
  }
  return pair;
}
