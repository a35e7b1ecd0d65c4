/**
 * The lab's PostgreSQL pair on its own: real Debian PostgreSQL, a primary and a streaming
 * standby, promote, demote with pg_rewind (and the base-backup fallback). Needs the
 * `postgresql` package (`bash scripts/setup.sh --lab` installs it).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareLsn,
  currentLsn,
  dataDir,
  demotePostgres,
  isInRecovery,
  killPostgres,
  probePostgres,
  promotePostgres,
  reconcileSynchronous,
  startPostgresPair,
  stopPostgres,
  waitForStreaming,
  withPg,
} from '../../src/lab/postgres/index.js';
import type { PostgresPair } from '../../src/lab/postgres/index.js';
import {
  labPrerequisites,
  requirePrerequisites,
  servicesStatus,
} from '../../src/lab/processes/index.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

let dir: string;
let pair: PostgresPair;
const timings: Record<string, number> = {};

const sql = (node: PostgresPair['primary'], text: string) =>
  withPg(node, (c) => c.query<{ n: string }>(text), { database: 'zoo' });

beforeAll(async () => {
  // A missing server fails here naming the exact apt-get command.
  await requirePrerequisites([labPrerequisites.postgres]);
  dir = await labTestDir();
  const t0 = Date.now();
  pair = await startPostgresPair(await testTopology(dir, 'sync'));
  timings.pairStartMs = Date.now() - t0;
});

afterAll(async () => {
  if (dir) await cleanLab(dir);
  process.stderr.write(
    `[lab-postgres] timings (reported, not asserted): ${JSON.stringify(timings)}\n`,
  );
});

describe('lab PostgreSQL pair', () => {
  it('streams synchronously from the primary to the standby', async () => {
    const primary = await probePostgres(pair.primary);
    expect(primary.inRecovery).toBe(false);
    expect(primary.synchronousStandbyNames).toBe('*');
    expect(primary.standbys).toMatchObject([
      { applicationName: 'cluster-2', state: 'streaming', syncState: 'sync' },
    ]);
    expect(await isInRecovery(pair.standby)).toBe(true);

    await sql(pair.primary, 'CREATE TABLE drill (id int PRIMARY KEY)');
    await sql(pair.primary, 'INSERT INTO drill SELECT generate_series(1, 1000)');
    // Synchronous commit waited for the standby's flush; replay follows within moments.
    const deadline = Date.now() + 10_000;
    let n = '0';
    while (Date.now() < deadline) {
      n = (await sql(pair.standby, 'SELECT count(*) AS n FROM drill')).rows[0]!.n;
      if (n === '1000') break;
    }
    expect(n).toBe('1000');
    expect(compareLsn(await currentLsn(pair.standby), '0/0')).toBe(1);
  });

  it('refuses writes on the standby', async () => {
    await expect(sql(pair.standby, 'INSERT INTO drill VALUES (5000)')).rejects.toThrow(
      'read-only transaction',
    );
  });

  it('after the primary crashes: promote the standby, rewind the old primary into its standby', async () => {
    await killPostgres(pair.primary);
    expect((await servicesStatus(dir)).find((s) => s.name === 'postgres-cluster-1')?.running).toBe(
      false,
    );

    const promoted = await promotePostgres(pair.standby, { cluster: 'cluster-1' });
    timings.promoteMs = promoted.ms;
    expect(promoted.promoted).toBe(true);
    expect(await isInRecovery(pair.standby)).toBe(false);
    await sql(pair.standby, 'INSERT INTO drill SELECT generate_series(1001, 1100)');

    const demoted = await demotePostgres(pair.primary, {
      host: pair.standby.host,
      port: pair.standby.port,
    });
    timings.demoteMs = demoted.ms;
    timings.rewindMs = demoted.rewindMs ?? -1;
    expect(demoted).toMatchObject({ method: 'rewind' });
    await waitForStreaming(pair.standby, 'cluster-1');
    expect(await isInRecovery(pair.primary)).toBe(true);

    // The old primary has the new primary's writes, and refuses its own.
    const deadline = Date.now() + 10_000;
    let n = '0';
    while (Date.now() < deadline && n !== '1100')
      n = (await sql(pair.primary, 'SELECT count(*) AS n FROM drill')).rows[0]!.n;
    expect(n).toBe('1100');
    await expect(sql(pair.primary, 'INSERT INTO drill VALUES (9999)')).rejects.toThrow(
      'read-only transaction',
    );
  });

  it('the new primary waits for its standby only while one streams (sync mode)', async () => {
    expect(await reconcileSynchronous(pair.standby, 'sync')).toBe('*');
    await stopPostgres(pair.primary);
    // The walsender notices the standby is gone; then the primary stops waiting for it.
    const deadline = Date.now() + 15_000;
    let names = '*';
    while (Date.now() < deadline && names !== '')
      names = await reconcileSynchronous(pair.standby, 'sync');
    expect(names).toBe('');
    await sql(pair.standby, 'INSERT INTO drill VALUES (1101)');
  });

  it('falls back to a fresh base backup when pg_rewind cannot work', async () => {
    // A data directory pg_rewind cannot use: its control file is gone.
    await rm(path.join(dataDir(pair.primary), 'global', 'pg_control'));
    const demoted = await demotePostgres(pair.primary, {
      host: pair.standby.host,
      port: pair.standby.port,
    });
    timings.baseBackupMs = demoted.ms;
    expect(demoted.method).toBe('basebackup');
    expect(demoted.rewindError).toBeTruthy();
    await waitForStreaming(pair.standby, 'cluster-1');
    expect((await sql(pair.primary, 'SELECT count(*) AS n FROM drill')).rows[0]!.n).toBe('1101');
  });
});
