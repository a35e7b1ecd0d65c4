/**
 * The lab's PostgreSQL configuration, rendered whole (pure). It lives outside the data
 * directory (`-c config_file=`), because pg_basebackup and pg_rewind copy the other
 * server's configuration files into the data directory.
 */

/** The server a standby streams from. */
export interface FollowTarget {
  host: string;
  port: number;
}

/** Everything that differs between the lab's instances and roles. */
export interface PostgresConfInput {
  /** Member cluster (`cluster-2`): the standby's application_name. */
  cluster: string;
  host: string;
  port: number;
  socketDir: string;
  hbaFile: string;
  /** Set on a standby: where it streams from. Ignored by a primary. */
  follow: FollowTarget | null;
  /** `*` (any one standby confirms each commit) or empty (asynchronous). */
  synchronousStandbyNames: string;
}

/** Replication slot the standby of `cluster` uses on its primary (`lifeboat_cluster_2`). */
export function slotName(cluster: string): string {
  return `lifeboat_${cluster.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The primary_conninfo of a standby of `cluster` following `target`. */
export function primaryConninfo(cluster: string, target: FollowTarget): string {
  return `host=${target.host} port=${String(target.port)} user=postgres application_name=${cluster} connect_timeout=2`;
}

/** postgresql.conf of one lab instance. */
export function renderPostgresConf(input: PostgresConfInput): string {
  const settings: [string, string][] = [
    ['listen_addresses', quote(input.host)],
    ['port', String(input.port)],
    ['unix_socket_directories', quote(input.socketDir)],
    ['hba_file', quote(input.hbaFile)],
    ['max_connections', '60'],
    ['shared_buffers', quote('32MB')],
    // Replication both ways: either instance may be primary after a failover.
    ['wal_level', 'replica'],
    ['max_wal_senders', '5'],
    ['max_replication_slots', '5'],
    ['wal_keep_size', quote('128MB')],
    ['max_slot_wal_keep_size', quote('1GB')],
    // pg_rewind needs hint bits WAL-logged (or data checksums) to demote an old primary.
    ['wal_log_hints', 'on'],
    ['hot_standby', 'on'],
    ['hot_standby_feedback', 'on'],
    ['synchronous_commit', 'on'],
    ['synchronous_standby_names', quote(input.synchronousStandbyNames)],
    // Notice a dead peer in seconds, not the default minute.
    ['wal_sender_timeout', quote('5s')],
    ['wal_receiver_timeout', quote('5s')],
    ['wal_receiver_status_interval', quote('1s')],
    ['wal_retrieve_retry_interval', quote('500ms')],
    ['recovery_target_timeline', quote('latest')],
    ['primary_conninfo', quote(input.follow ? primaryConninfo(input.cluster, input.follow) : '')],
    ['primary_slot_name', quote(input.follow ? slotName(input.cluster) : '')],
    ['logging_collector', 'off'],
    ['log_line_prefix', quote('%m [%p] ')],
    ['log_connections', 'off'],
    ['fsync', 'on'],
    ['full_page_writes', 'on'],
  ];
  return (
    `# Written by lifeboat's lab for ${input.cluster}; rewritten on every role change.\n` +
    settings.map(([k, v]) => `${k} = ${v}`).join('\n') +
    '\n'
  );
}

/**
 * pg_hba.conf: trust on loopback only, replication included. The lab's databases hold
 * drill data and listen on 127.x addresses nothing else can reach.
 */
export function renderHba(): string {
  return [
    "# Written by lifeboat's lab: loopback only, no passwords.",
    'local   all          all                 trust',
    'local   replication  all                 trust',
    'host    all          all  127.0.0.0/8    trust',
    'host    replication  all  127.0.0.0/8    trust',
    '',
  ].join('\n');
}
