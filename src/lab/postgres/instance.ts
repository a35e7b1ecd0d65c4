import { access, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabServiceError } from '../processes/errors.js';
import { assertPortFree } from '../../util/ports.js';
import { runCommand } from '../processes/run.js';
import { killService, serviceRunning, startService, stopService } from '../processes/supervisor.js';
import type { DatabaseCluster } from '../topology/topology.js';
import { renderHba, renderPostgresConf, slotName } from './conf.js';
import type { FollowTarget, PostgresConfInput } from './conf.js';
import { pgAnswers, probePg, withPg } from './sql.js';
import type { PgAddress, PgProbe } from './sql.js';
import { pgBinDir, pgUser } from './system.js';

/** One lab PostgreSQL instance: the database of one member cluster. */
export interface PostgresNode {
  /** The lab directory (services.json, logs/). */
  labDir: string;
  /** Member cluster it belongs to (`cluster-1`). */
  cluster: string;
  host: string;
  port: number;
  /** Holds data/, postgresql.conf, pg_hba.conf, run/ (sockets). */
  base: string;
}

/** The lab PostgreSQL node of database cluster `db` in the lab in `labDir`. */
export function postgresNode(labDir: string, db: DatabaseCluster): PostgresNode {
  return { labDir, cluster: db.name, host: db.host, port: db.postgres.port, base: db.postgres.dir };
}

/** Supervisor name of the node's postmaster. */
export function postgresServiceName(node: PostgresNode): string {
  return `postgres-${node.cluster}`;
}

function paths(node: PostgresNode) {
  return {
    data: path.join(node.base, 'data'),
    conf: path.join(node.base, 'postgresql.conf'),
    confInput: path.join(node.base, 'conf.json'),
    hba: path.join(node.base, 'pg_hba.conf'),
    socketDir: path.join(node.base, 'run'),
  };
}

/** Data directory of `node`. */
export function dataDir(node: PostgresNode): string {
  return paths(node).data;
}

function address(node: PostgresNode): PgAddress {
  return { host: node.host, port: node.port };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** True once `node` has a data directory. */
export function isInitialized(node: PostgresNode): Promise<boolean> {
  return exists(path.join(paths(node).data, 'PG_VERSION'));
}

async function asPg(): Promise<{ uid?: number; gid?: number }> {
  const user = await pgUser();
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/** Runs a PostgreSQL tool (`initdb`, `pg_rewind` ...) as the PostgreSQL user. */
async function pgTool(tool: string, args: string[], timeoutMs = 120_000) {
  const bin = path.join(await pgBinDir(), tool);
  return runCommand(bin, args, { ...(await asPg()), timeoutMs, cwd: '/' });
}

/** Creates `node.base` owned by the PostgreSQL user, and checks that user can reach it. */
async function prepareBase(node: PostgresNode): Promise<void> {
  const p = paths(node);
  await mkdir(p.socketDir, { recursive: true });
  const user = await pgUser();
  if (user) {
    await chown(node.base, user.uid, user.gid);
    await chown(p.socketDir, user.uid, user.gid);
    await runCommand('/usr/bin/test', ['-w', node.base], { uid: user.uid, gid: user.gid }).catch(
      () => {
        throw new LabServiceError(
          `the postgres user cannot reach ${node.base}: every folder above it needs o+x (e.g. chmod o+x on each), or put the lab somewhere else with --dir`,
        );
      },
    );
  }
  await writeFile(p.hba, renderHba());
}

/** Writes the node's postgresql.conf (and the inputs it came from, to re-render later). */
export async function writeConf(
  node: PostgresNode,
  change: Partial<Pick<PostgresConfInput, 'follow' | 'synchronousStandbyNames'>>,
): Promise<PostgresConfInput> {
  const p = paths(node);
  const previous = await readFile(p.confInput, 'utf8').then(
    (t) => JSON.parse(t) as PostgresConfInput,
    () => undefined,
  );
  const input: PostgresConfInput = {
    cluster: node.cluster,
    host: node.host,
    port: node.port,
    socketDir: p.socketDir,
    hbaFile: p.hba,
    follow: change.follow !== undefined ? change.follow : (previous?.follow ?? null),
    synchronousStandbyNames:
      change.synchronousStandbyNames ?? previous?.synchronousStandbyNames ?? '',
  };
  await writeFile(p.conf, renderPostgresConf(input));
  await writeFile(p.confInput, JSON.stringify(input, null, 2) + '\n');
  return input;
}

/** The configuration inputs last written for `node`, if any. */
export async function readConf(node: PostgresNode): Promise<PostgresConfInput | undefined> {
  return readFile(paths(node).confInput, 'utf8').then(
    (t) => JSON.parse(t) as PostgresConfInput,
    () => undefined,
  );
}

/**
 * Creates a new primary's data directory with `initdb` (no-op if it exists). Start it
 * with {@link startPostgres}. Resolves true if it created one.
 */
export async function initPrimary(node: PostgresNode): Promise<boolean> {
  if (await isInitialized(node)) return false;
  await prepareBase(node);
  await pgTool('initdb', [
    '-D',
    paths(node).data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ]);
  await writeConf(node, { follow: null, synchronousStandbyNames: '' });
  return true;
}

/** Creates database `name` on the primary `node` unless it exists. */
export async function ensureDatabase(node: PostgresNode, name: string): Promise<void> {
  await withPg(address(node), async (c) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  });
}

/** Creates the physical replication slot the standby of `standbyCluster` uses, on `primary`. */
export async function ensureSlot(primary: PgAddress, standbyCluster: string): Promise<void> {
  await withPg(primary, (c) =>
    c.query(
      `SELECT pg_create_physical_replication_slot($1)
        WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
      [slotName(standbyCluster)],
    ),
  );
}

/** Makes `node`'s data directory a standby of `primary`: standby.signal and its conf. */
async function configureStandby(node: PostgresNode, primary: FollowTarget): Promise<void> {
  const p = paths(node);
  await writeFile(path.join(p.data, 'standby.signal'), '');
  // Written by pg_basebackup -R or copied by pg_rewind from the other server: ours is whole.
  await writeFile(path.join(p.data, 'postgresql.auto.conf'), '');
  const user = await pgUser();
  if (user) {
    await chown(path.join(p.data, 'standby.signal'), user.uid, user.gid);
    await chown(path.join(p.data, 'postgresql.auto.conf'), user.uid, user.gid);
  }
  await writeConf(node, { follow: primary, synchronousStandbyNames: '' });
}

/** Fresh copy of `primary` into `node`'s (removed) data directory, as a standby. */
async function baseBackup(node: PostgresNode, primary: FollowTarget): Promise<void> {
  const p = paths(node);
  await rm(p.data, { recursive: true, force: true });
  await ensureSlot(primary, node.cluster);
  await pgTool(
    'pg_basebackup',
    [
      '-h',
      primary.host,
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      p.data,
      '-X',
      'stream',
      '-S',
      slotName(node.cluster),
      '-c',
      'fast',
      '--no-sync',
    ],
    600_000,
  );
  await configureStandby(node, primary);
}

/**
 * Creates `node` as a streaming standby of the running `primary` with pg_basebackup
 * (no-op if its data directory exists). Start it with {@link startPostgres}.
 */
export async function initStandby(node: PostgresNode, primary: FollowTarget): Promise<boolean> {
  if (await isInitialized(node)) return false;
  await prepareBase(node);
  await baseBackup(node, primary);
  return true;
}

/**
 * Starts `node`'s postmaster (as the PostgreSQL user, logging to
 * `<lab>/logs/postgres-<cluster>.log`) and waits until it answers queries. Its role
 * follows its data directory: a standby.signal makes it a standby.
 */
export async function startPostgres(
  node: PostgresNode,
  options: { readyTimeoutMs?: number } = {},
): Promise<void> {
  const name = postgresServiceName(node);
  if (await serviceRunning(node.labDir, name)) return;
  if (!(await isInitialized(node)))
    throw new LabServiceError(
      `${node.cluster} has no PostgreSQL data directory in ${dataDir(node)}: create the pair with startPostgresPair first`,
    );
  await assertPortFree(
    node.host,
    node.port,
    `PostgreSQL of ${node.cluster}`,
    'choose another with --postgres-port',
  );
  const p = paths(node);
  const bin = path.join(await pgBinDir(), 'postgres');
  await startService(node.labDir, {
    name,
    cluster: node.cluster,
    command: bin,
    args: ['-D', p.data, '-c', `config_file=${p.conf}`],
    marker: `config_file=${p.conf}`,
    ...(await asPg()),
    cwd: '/',
    // A fast shutdown: rolls back open transactions, checkpoints, exits in well under a second.
    stopSignal: 'SIGINT',
    ready: () => pgAnswers(address(node), 500),
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
}

/** Stops `node` cleanly (fast shutdown); false if it was not running. */
export function stopPostgres(node: PostgresNode): Promise<boolean> {
  return stopService(node.labDir, postgresServiceName(node));
}

/** Kills `node`'s postmaster and every backend at once (SIGKILL to the group): a crash. */
export function killPostgres(node: PostgresNode): Promise<boolean> {
  return killService(node.labDir, postgresServiceName(node));
}

/** True when `node`'s postmaster runs. */
export function postgresRunning(node: PostgresNode): Promise<boolean> {
  return serviceRunning(node.labDir, postgresServiceName(node));
}

/** Role, WAL position and peers of a running `node`. */
export function probePostgres(node: PostgresNode, timeoutMs = 1_000): Promise<PgProbe> {
  return probePg(address(node), timeoutMs);
}

/** True when `node` is a standby (in recovery). Throws when it does not answer. */
export async function isInRecovery(node: PostgresNode): Promise<boolean> {
  return (await probePostgres(node)).inRecovery;
}

/** `node`'s WAL position: current write position of a primary, last replayed of a standby. */
export async function currentLsn(node: PostgresNode): Promise<string> {
  return (await probePostgres(node)).lsn;
}

/**
 * Promotes standby `node` to primary and waits until it accepts writes. Its replication
 * starts asynchronous (no standby to wait for yet); `peer`, when given, gets its
 * replication slot so it can follow later. Resolves the time it took.
 */
export async function promotePostgres(
  node: PostgresNode,
  peer?: { cluster: string },
): Promise<{ ms: number; promoted: boolean }> {
  const t0 = Date.now();
  const promoted = await withPg(
    address(node),
    async (c) => {
      const r = await c.query<{ in_recovery: boolean }>(
        'SELECT pg_is_in_recovery() AS in_recovery',
      );
      if (!r.rows[0]?.in_recovery) return false;
      const p = await c.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok');
      if (!p.rows[0]?.ok)
        throw new LabServiceError(`${node.cluster}: pg_promote did not finish within 60 s`);
      return true;
    },
    { timeoutMs: 2_000 },
  );
  // pg_promote removed standby.signal; the conf follows so a restart stays primary.
  await writeConf(node, { follow: null, synchronousStandbyNames: '' });
  await reloadPostgres(node);
  if (peer) await ensureSlot(address(node), peer.cluster);
  return { ms: Date.now() - t0, promoted };
}

/** Makes a running `node` re-read its configuration. */
export async function reloadPostgres(node: PostgresNode): Promise<void> {
  await withPg(address(node), (c) => c.query('SELECT pg_reload_conf()'));
}

/** How {@link demotePostgres} brought the node back as a standby. */
export interface DemoteResult {
  /** `rewind`: pg_rewind (fast); `basebackup`: a fresh copy (pg_rewind failed). */
  method: 'rewind' | 'basebackup';
  ms: number;
  rewindMs: number | null;
  /** pg_rewind's error, when it fell back to a base backup. */
  rewindError?: string;
}

/**
 * Turns `node` (a primary, running or not, possibly crashed) into a streaming standby of
 * `primary`: stops it, rewinds its data to the point where the timelines forked with
 * pg_rewind (falling back to a fresh pg_basebackup), writes standby.signal, starts it.
 */
export async function demotePostgres(
  node: PostgresNode,
  primary: FollowTarget,
): Promise<DemoteResult> {
  const t0 = Date.now();
  await stopPostgres(node);
  await ensureSlot(primary, node.cluster);
  const p = paths(node);
  let method: DemoteResult['method'] = 'rewind';
  let rewindMs: number | null = null;
  let rewindError: string | undefined;
  try {
    // pg_rewind reads the source's timeline from pg_control, which a just-promoted server
    // updates only at its first checkpoint: without one it sees the same timeline and
    // reports 'no rewind required', leaving a diverged standby that never streams.
    await withPg(primary, (c) => c.query('CHECKPOINT'), { timeoutMs: 5_000 });
    const r = await pgTool(
      'pg_rewind',
      [
        `--target-pgdata=${p.data}`,
        `--source-server=host=${primary.host} port=${String(primary.port)} user=postgres dbname=postgres connect_timeout=2`,
        `--config-file=${p.conf}`,
        '--no-sync',
      ],
      300_000,
    );
    rewindMs = r.ms;
  } catch (err) {
    method = 'basebackup';
    rewindError = (err as Error).message;
    await baseBackup(node, primary);
  }
  await configureStandby(node, primary);
  // pg_rewind copies the source's pg_replslot; a standby needs no slots of its own.
  await rm(path.join(p.data, 'pg_replslot'), { recursive: true, force: true }).then(() =>
    mkdir(path.join(p.data, 'pg_replslot'), { mode: 0o700 }),
  );
  const user = await pgUser();
  if (user) await chown(path.join(p.data, 'pg_replslot'), user.uid, user.gid);
  await startPostgres(node);
  return { method, ms: Date.now() - t0, rewindMs, ...(rewindError ? { rewindError } : {}) };
}

/**
 * Makes primary `node` wait for one standby on every commit (`sync`) or not: in sync mode
 * it waits only while a standby is streaming, and stops waiting when none is (as Patroni's
 * synchronous_mode does), so a dead standby does not stop writes. Resolves the names set.
 */
export async function reconcileSynchronous(
  node: PostgresNode,
  mode: 'sync' | 'async',
  probe?: PgProbe,
): Promise<string> {
  const state = probe ?? (await probePostgres(node));
  if (state.inRecovery) return state.synchronousStandbyNames;
  const streaming = state.standbys.some((s) => s.state === 'streaming');
  const want = mode === 'sync' && streaming ? '*' : '';
  if (state.synchronousStandbyNames !== want) {
    await writeConf(node, { synchronousStandbyNames: want });
    await reloadPostgres(node);
    // The reload is asynchronous: return once commits really wait for the standby.
    const deadline = Date.now() + 5_000;
    while (want === '*' && Date.now() < deadline) {
      const now = await probePostgres(node).catch(() => undefined);
      if (now?.standbys.some((s) => s.syncState === 'sync')) break;
      await sleep(20);
    }
  }
  return want;
}

/** Waits until primary `node` reports a standby of `standbyCluster` streaming. */
export async function waitForStreaming(
  node: PostgresNode,
  standbyCluster: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probePostgres(node).catch(() => undefined);
    if (
      probe?.standbys.some((s) => s.applicationName === standbyCluster && s.state === 'streaming')
    )
      return;
    if (Date.now() > deadline)
      throw new LabServiceError(
        `${standbyCluster}'s standby is not streaming from ${node.cluster} after ${String(timeoutMs / 1000)}s; see ${node.labDir}/logs/postgres-${standbyCluster}.log`,
      );
    await sleep(100);
  }
}
