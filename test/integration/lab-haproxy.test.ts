/**
 * The lab's HAProxy (Debian haproxy 2.6, master-worker): a ConfigMap-style config is
 * rendered for loopback and reloaded with SIGUSR2 while a client connects in a tight
 * loop: the listener never refuses a connection, and new connections reach the new
 * backend. The backends are two tiny TCP servers that say who they are.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haproxyRenderTarget,
  haproxyWorkers,
  reloadHaproxy,
  renderHaproxyConfig,
  startHaproxy,
} from '../../src/lab/haproxy/index.js';
import { labPrerequisites, requirePrerequisites } from '../../src/lab/processes/index.js';
import type { LabTopology } from '../../src/lab/topology/index.js';
import { cleanLab, labTestDir, testTopology } from '../support/lab-services.js';

let dir: string;
let topology: LabTopology;
const backends: net.Server[] = [];

/** A TCP server on `host:port` that writes `name` to every connection. */
function backend(host: string, port: number, name: string): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end(`${name}\n`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}

/** Connects to HAProxy and resolves what the backend said ('' when closed without a word). */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let said = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d: string) => (said += d));
    socket.on('end', () => resolve(said.trim()));
    socket.on('error', reject);
  });
}

const seedConfig = (server: string) =>
  `defaults\n    mode tcp\n    timeout connect 5000ms\n    timeout client 50000ms\n    timeout server 50000ms\n\nfrontend fe_main\n    bind *:5432\n    default_backend be_db\n\nbackend be_db\n    server db ${server}:27017 check`;

beforeAll(async () => {
  await requirePrerequisites([labPrerequisites.haproxy]);
  dir = await labTestDir();
  topology = await testTopology(dir);
  for (const [i, db] of topology.databases.entries())
    backends.push(await backend(db.host, db.ferretdb.port, `ferretdb-${String(i + 1)}`));
  await startHaproxy(topology);
});

afterAll(async () => {
  for (const b of backends) b.close();
  if (dir) await cleanLab(dir);
});

describe('lab HAProxy', () => {
  it('serves the ConfigMap config rendered for the lab', async () => {
    const rendered = renderHaproxyConfig(
      seedConfig('ferretdb-service-1.default.svc'),
      haproxyRenderTarget(topology),
    );
    await reloadHaproxy(topology, rendered.config);
    expect(await ask(topology.haproxy.port)).toBe('ferretdb-1');
  });

  it('reloads without refusing a single connection and switches the backend', async () => {
    const port = topology.haproxy.port;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    let lastOk = Date.now();
    let maxGapMs = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try {
          seen.add(await ask(port));
          ok++;
          maxGapMs = Math.max(maxGapMs, Date.now() - lastOk);
          lastOk = Date.now();
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const target = haproxyRenderTarget(topology);
    const reloads: number[] = [];
    for (const name of [
      'ferretdb-2.lab.lifeboat',
      'ferretdb-1.lab.lifeboat',
      'ferretdb-2.lab.lifeboat',
    ]) {
      const before = await haproxyWorkers(topology);
      const r = await reloadHaproxy(topology, renderHaproxyConfig(seedConfig(name), target).config);
      expect(r.newWorkers.some((w) => !before.includes(w))).toBe(true);
      reloads.push(r.ms);
      await new Promise((res) => setTimeout(res, 150));
    }
    stop = true;
    await loop;
    process.stderr.write(
      `[lab-haproxy] ${String(ok)} connections during 3 reloads, ${String(failures.length)} failed; reload ms ${JSON.stringify(reloads)}; longest gap between answered connections ${String(maxGapMs)} ms (reported, not asserted)\n`,
    );
    expect(failures).toStrictEqual([]);
    expect(seen.has('ferretdb-1') && seen.has('ferretdb-2')).toBe(true);
    expect(await ask(port)).toBe('ferretdb-2');
  });

  it('keeps serving the old config when the new one is invalid', async () => {
    await expect(
      reloadHaproxy(topology, 'frontend f\n    bind 127.0.0.1:1\n    no-such-keyword\n'),
    ).rejects.toThrow('HAProxy rejects');
    expect(await ask(topology.haproxy.port)).toBe('ferretdb-2');
  });

  it('names the port when the entry point is taken', async () => {
    const other = await testTopology(dir);
    const squatter = net.createServer().listen({ host: '127.0.0.1', port: other.haproxy.port });
    await new Promise((r) => squatter.once('listening', r));
    try {
      await expect(startHaproxy({ ...other, dir: `${dir}/other` })).rejects.toThrow(
        `port 127.0.0.1:${String(other.haproxy.port)} (HAProxy, the lab's entry point in cluster-3) is in use`,
      );
    } finally {
      squatter.close();
    }
  });
});
