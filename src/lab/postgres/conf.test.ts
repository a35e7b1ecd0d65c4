import { describe, expect, it } from 'vitest';
import { primaryConninfo, renderPostgresConf, slotName } from './conf.js';

const base = {
  cluster: 'cluster-2',
  host: '127.0.1.2',
  port: 5432,
  socketDir: '/lab/postgres/cluster-2/run',
  hbaFile: '/lab/postgres/cluster-2/pg_hba.conf',
};

function settings(conf: string): Record<string, string> {
  return Object.fromEntries(
    conf
      .split('\n')
      .filter((l) => l.includes(' = '))
      .map((l) => l.split(' = ') as [string, string]),
  );
}

describe('renderPostgresConf', () => {
  it('a standby streams from its primary through its own slot, with settings pg_rewind needs', () => {
    const s = settings(
      renderPostgresConf({
        ...base,
        follow: { host: '127.0.1.1', port: 5432 },
        synchronousStandbyNames: '',
      }),
    );
    expect(s).toMatchObject({
      listen_addresses: "'127.0.1.2'",
      primary_conninfo:
        "'host=127.0.1.1 port=5432 user=postgres application_name=cluster-2 connect_timeout=2'",
      primary_slot_name: "'lifeboat_cluster_2'",
      wal_log_hints: 'on',
      hot_standby: 'on',
      recovery_target_timeline: "'latest'",
      synchronous_standby_names: "''",
    });
  });

  it('a synchronous primary names any standby and follows no one', () => {
    const s = settings(renderPostgresConf({ ...base, follow: null, synchronousStandbyNames: '*' }));
    expect(s.synchronous_standby_names).toBe("'*'");
    expect(s.synchronous_commit).toBe('on');
    expect(s.primary_conninfo).toBe("''");
  });

  it('quotes values with quotes', () => {
    expect(
      renderPostgresConf({
        ...base,
        socketDir: "/it's",
        follow: null,
        synchronousStandbyNames: '',
      }),
    ).toContain("unix_socket_directories = '/it''s'");
  });

  it('names slots and conninfo from the cluster', () => {
    expect(slotName('cluster-10')).toBe('lifeboat_cluster_10');
    expect(primaryConninfo('cluster-1', { host: '127.0.1.2', port: 6000 })).toBe(
      'host=127.0.1.2 port=6000 user=postgres application_name=cluster-1 connect_timeout=2',
    );
  });
});
