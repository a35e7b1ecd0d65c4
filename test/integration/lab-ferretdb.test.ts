/**
 * FerretDB 1.x (built from Go modules by tools/ferretdb/build.sh) on the lab's plain
 * PostgreSQL: the MongoDB driver writes through cluster-1's FerretDB, reads the same
 * documents through cluster-2's (on the standby), which refuses writes.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillUrl, writeRefused } from '../../src/lab/drill/index.js';
import { ensureFerretdb, startFerretdb } from '../../src/lab/ferretdb/index.js';
import { startPostgresPair } from '../../src/lab/postgres/index.js';
import type { LabTopology } from '../../src/lab/topology/index.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

let dir: string;
let topology: LabTopology;
const url = (i: 0 | 1) => drillUrl(topology.databases[i].host, topology.databases[i].ferretdb.port);

beforeAll(async () => {
  // Fails at once naming `bash tools/ferretdb/build.sh` when the binary is not built.
  await ensureFerretdb({ build: false });
  dir = await labTestDir();
  topology = await testTopology(dir);
  await startPostgresPair(topology);
  await startFerretdb(topology, 'cluster-1', { build: false });
  await startFerretdb(topology, 'cluster-2', { build: false });
});

afterAll(async () => {
  if (dir) await cleanLab(dir);
});

describe('FerretDB on the lab PostgreSQL', () => {
  it('acknowledges journaled inserts on the primary and serves them from the standby', async () => {
    const primary = new MongoClient(url(0));
    const standby = new MongoClient(url(1));
    try {
      const coll = primary.db('lifeboat_test').collection<{ _id: number; name: string }>('animals');
      const result = await coll.insertMany(
        [
          { _id: 1, name: 'otter' },
          { _id: 2, name: 'heron' },
        ],
        { writeConcern: { w: 1, journal: true } },
      );
      expect(result.insertedCount).toBe(2);
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toStrictEqual([
        { _id: 1, name: 'otter' },
        { _id: 2, name: 'heron' },
      ]);

      const replica = standby
        .db('lifeboat_test')
        .collection<{ _id: number; name: string }>('animals');
      const deadline = Date.now() + 10_000;
      let names: string[] = [];
      while (Date.now() < deadline && names.length < 2)
        names = (
          await replica
            .find({}, { sort: { _id: 1 } })
            .toArray()
            .catch(() => [])
        ).map((d) => d.name);
      expect(names).toStrictEqual(['otter', 'heron']);
    } finally {
      await primary.close();
      await standby.close();
    }
  });

  it("refuses writes through the standby's FerretDB", async () => {
    const result = await writeRefused(url(1), 'lifeboat_test');
    expect(result.refused).toBe(true);
    expect(result.error).toMatch(/read-only/);
    expect((await writeRefused(url(0), 'lifeboat_test')).refused).toBe(false);
  });
});
