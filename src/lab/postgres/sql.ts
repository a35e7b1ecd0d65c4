import pg from 'pg';

/** Where to reach one PostgreSQL instance. */
export interface PgAddress {
  host: string;
  port: number;
}

/**
 * Runs `fn` with a fresh connection as `postgres` to database `database`, closed after.
 * Short timeouts: the lab asks questions of servers that may have just been killed.
 */
export async function withPg<T>(
  address: PgAddress,
  fn: (client: pg.Client) => Promise<T>,
  options: { database?: string; timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const client = new pg.Client({
    host: address.host,
    port: address.port,
    user: 'postgres',
    database: options.database ?? 'postgres',
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs * 30,
    application_name: 'lifeboat-lab',
  });
  // An 'error' event after a server dies must not crash the process: the query rejects.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One standby as its primary sees it (`pg_stat_replication`). */
export interface ReplicationPeer {
  applicationName: string;
  state: string;
  syncState: string;
  replayLsn: string | null;
}

/** What one instance says about itself. */
export interface PgProbe {
  inRecovery: boolean;
  /** Primary: the current write position. Standby: the last replayed position. */
  lsn: string;
  /** Standby only: the last position received (and flushed) from the primary. */
  receiveLsn: string | null;
  /** Standby only: `host:port` it streams from, when streaming. */
  sender: string | null;
  /** Primary only: its standbys. */
  standbys: ReplicationPeer[];
  synchronousStandbyNames: string;
}

interface ProbeRow {
  in_recovery: boolean;
  lsn: string | null;
  receive_lsn: string | null;
  sync_names: string;
}

/** Asks an instance its role, WAL position and replication peers. */
export function probePg(address: PgAddress, timeoutMs = 1_000): Promise<PgProbe> {
  return withPg(
    address,
    async (client) => {
      const head = await client.query<ProbeRow>(
        `SELECT pg_is_in_recovery() AS in_recovery,
                (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
                pg_last_wal_receive_lsn()::text AS receive_lsn,
                current_setting('synchronous_standby_names') AS sync_names`,
      );
      const row = head.rows[0];
      if (!row) throw new Error('probe returned no row');
      let sender: string | null = null;
      let standbys: ReplicationPeer[] = [];
      if (row.in_recovery) {
        const r = await client.query<{ host: string | null; port: number | null }>(
          `SELECT sender_host AS host, sender_port AS port FROM pg_stat_wal_receiver WHERE status = 'streaming'`,
        );
        const w = r.rows[0];
        if (w?.host) sender = `${w.host}:${String(w.port)}`;
      } else {
        const r = await client.query<{
          application_name: string;
          state: string;
          sync_state: string;
          replay_lsn: string | null;
        }>(
          `SELECT application_name, state, sync_state, replay_lsn::text AS replay_lsn FROM pg_stat_replication`,
        );
        standbys = r.rows.map((s) => ({
          applicationName: s.application_name,
          state: s.state,
          syncState: s.sync_state,
          replayLsn: s.replay_lsn,
        }));
      }
      return {
        inRecovery: row.in_recovery,
        lsn: row.lsn ?? '0/0',
        receiveLsn: row.receive_lsn,
        sender,
        standbys,
        synchronousStandbyNames: row.sync_names,
      };
    },
    { timeoutMs },
  );
}

/** True when the instance answers `SELECT 1`. */
export async function pgAnswers(address: PgAddress, timeoutMs = 1_000): Promise<boolean> {
  try {
    await withPg(address, (c) => c.query('SELECT 1'), { timeoutMs });
    return true;
  } catch {
    return false;
  }
}
