import { describe, expect, it } from 'vitest';
import { hostnameTable } from '../topology/hostnames.js';
import { planTopology } from '../topology/topology.js';
import { HaproxyRenderError, placeholderHaproxyConfig, renderHaproxyConfig } from './render.js';

const topology = planTopology({ dir: '/lab', ports: { haproxy: 27500, ferretdb: 27018 } });
const target = {
  bind: { host: '127.0.0.1', port: 27500 },
  hosts: hostnameTable(topology),
  adminSocket: '/lab/haproxy/admin.sock',
};

// The failover plan's haproxy.cfg, after templating, exactly as the seed writes it.
const seedAfterFailover =
  'defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db_2\n\nbackend be_db_2\n    server db2 ferretdb-2.lab.lifeboat:27017 check';

describe('renderHaproxyConfig', () => {
  it('maps the seed plan config onto the lab: bind to the entry port, server via the hostname table', () => {
    const { config, servers } = renderHaproxyConfig(seedAfterFailover, target);
    expect(config).toBe(
      [
        'global',
        '    hard-stop-after 1s',
        '    stats socket /lab/haproxy/admin.sock mode 600 level admin expose-fd listeners',
        '',
        'defaults',
        '    mode tcp',
        '    timeout connect 5000ms',
        '    timeout client 50000ms',
        '    timeout server 50000ms',
        '',
        'frontend fe_main',
        '    bind 127.0.0.1:27500',
        '    default_backend be_db_2',
        '',
        'backend be_db_2',
        '    server db2 127.0.1.2:27018 check',
        '',
      ].join('\n'),
    );
    expect(servers).toStrictEqual([
      {
        backend: 'be_db_2',
        name: 'db2',
        from: 'ferretdb-2.lab.lifeboat:27017',
        to: '127.0.1.2:27018',
        cluster: 'cluster-2',
      },
    ]);
  });

  it.each([
    ['ferretdb-service-1.default.svc:27017', '127.0.1.1:27018', 'cluster-1'],
    ['ferretdb-service-2.default.svc.cluster.local:27017', '127.0.1.2:27018', 'cluster-2'],
    ['127.0.1.1:27017', '127.0.1.1:27018', 'cluster-1'],
    ['127.0.0.1:4000', '127.0.0.1:4000', null],
  ])('server %s -> %s', (from, to, cluster) => {
    const cfg = `frontend f\n    bind :5432\n    default_backend b\nbackend b\n    server s ${from}`;
    expect(renderHaproxyConfig(cfg, target).servers[0]).toStrictEqual({
      backend: 'b',
      name: 's',
      from,
      to,
      cluster,
    });
  });

  it('replaces a global section of the manifest with the lab one', () => {
    const cfg = 'global\n    daemon\n    user haproxy\nfrontend f\n    bind *:5432\n';
    const { config } = renderHaproxyConfig(cfg, target);
    expect(config).not.toContain('daemon');
    expect(config).not.toContain('user haproxy');
    expect(config.match(/^global$/gm)).toHaveLength(1);
  });

  it.each([
    [
      'an unknown host',
      'frontend f\n    bind *:5432\nbackend b\n    server s db.example.com:27017',
      "does not know 'db.example.com:27017'",
    ],
    [
      'a hostname not filled yet',
      'frontend f\n    bind *:5432\nbackend b\n    server s :27017',
      "does not know ':27017'",
    ],
    ['no bind', 'backend b\n    server s 127.0.0.1:1', 'no bind line'],
    ['a bad port', 'frontend f\n    bind *:99999\n', "'*:99999' is not host:port"],
  ])('refuses %s', (_what, cfg, message) => {
    expect(() => renderHaproxyConfig(cfg, target)).toThrow(HaproxyRenderError);
    expect(() => renderHaproxyConfig(cfg, target)).toThrow(message);
  });

  it('placeholder listens on the entry port with no server', () => {
    const cfg = placeholderHaproxyConfig(target);
    expect(cfg).toContain('    bind 127.0.0.1:27500\n');
    expect(cfg).not.toMatch(/^\s*server /m);
  });
});
