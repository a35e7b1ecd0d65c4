import { parseLsn } from '../postgres/lsn.js';
import { probePg } from '../postgres/sql.js';
import { isListening } from '../../util/ports.js';
import type { Sample } from './text.js';

/** Samples of one database cluster: its PostgreSQL (role, WAL position) and FerretDB. */
export async function databaseSamples(input: {
  cluster: string;
  postgres: { host: string; port: number };
  ferretdb: { host: string; port: number };
}): Promise<Sample[]> {
  const labels = { cluster: input.cluster };
  const [probe, ferret] = await Promise.all([
    probePg(input.postgres, 500).catch(() => undefined),
    isListening(input.ferretdb.host, input.ferretdb.port, 300),
  ]);
  const samples: Sample[] = [
    {
      name: 'lifeboat_lab_postgres_up',
      help: 'PostgreSQL of this cluster answers queries (1) or not (0).',
      labels,
      value: probe ? 1 : 0,
    },
    {
      name: 'lifeboat_lab_postgres_primary',
      help: 'PostgreSQL of this cluster is a primary (1), a standby or down (0).',
      labels,
      value: probe && !probe.inRecovery ? 1 : 0,
    },
    {
      name: 'lifeboat_lab_ferretdb_up',
      help: 'FerretDB of this cluster accepts connections (1) or not (0).',
      labels,
      value: ferret ? 1 : 0,
    },
  ];
  if (probe) {
    samples.push(
      {
        name: 'lifeboat_lab_postgres_wal_lsn_bytes',
        help: 'WAL position: the write position of a primary, the replay position of a standby.',
        labels,
        value: Number(parseLsn(probe.lsn)),
      },
      {
        name: 'lifeboat_lab_postgres_streaming_standbys',
        help: 'Standbys streaming from this PostgreSQL (primary only).',
        labels,
        value: probe.standbys.filter((s) => s.state === 'streaming').length,
      },
      {
        name: 'lifeboat_lab_postgres_synchronous',
        help: 'The primary waits for a standby on every commit (1) or not (0).',
        labels,
        value: probe.synchronousStandbyNames ? 1 : 0,
      },
    );
  }
  return samples;
}

/** Samples of the HAProxy cluster: whether its entry point accepts connections. */
export async function haproxySamples(input: {
  cluster: string;
  haproxy: { host: string; port: number };
}): Promise<Sample[]> {
  return [
    {
      name: 'lifeboat_lab_haproxy_up',
      help: "HAProxy's frontend accepts connections (1) or not (0).",
      labels: { cluster: input.cluster },
      value: (await isListening(input.haproxy.host, input.haproxy.port, 300)) ? 1 : 0,
    },
  ];
}
