/**
 * The real `lifeboat lab` command (a child process) given bad input: each case must fail
 * with a message that says what is wrong and what to do, exit non-zero, and start
 * nothing heavy. Each runs against its own temp `--dir`, so a developer's lab is never
 * touched.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLabRedis } from '../../src/lab/control-plane.js';
import { stopServices } from '../../src/lab/processes/index.js';
import { freePort } from '../../src/util/ports.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/lifeboat.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Holds `127.0.0.1:port` the way another program would. */
async function squat(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, resolve);
  });
  return server;
}

// One CLI run loads tsx and the lab's code: seconds on a busy 2-core machine.
const timeout = 90_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-lab-cli-'));
  await chmod(dir, 0o755);
});

afterEach(async () => {
  await stopServices(dir).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('lifeboat lab with bad input', () => {
  it.each(['kill', 'revive', 'drill --cluster'])(
    'lab %s with an unknown cluster names the known ones',
    async (verb) => {
      const r = await lifeboat(['lab', ...verb.split(' '), 'cluster-9', '--dir', dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        'error: unknown cluster "cluster-9"; the lab has cluster-1, cluster-2, cluster-3',
      );
      expect(await readdir(dir)).toStrictEqual([]);
    },
    timeout,
  );

  it(
    'lab up --replication bogus says which modes exist',
    async () => {
      const r = await lifeboat(['lab', 'up', '--replication', 'bogus', '--dir', dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("option '--replication <mode>' argument 'bogus' is invalid");
      expect(r.stderr).toContain('expected sync or async');
      expect(await readdir(dir)).toStrictEqual([]);
    },
    timeout,
  );

  it(
    'lab up names a taken port, what it was for and the flag, before starting anything',
    async () => {
      const [lifeboatPort, redisPort, haproxyPort] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
      ]);
      for (const [taken, message] of [
        [lifeboatPort, `port 127.0.0.1:${String(lifeboatPort)} (lifeboat) is in use`],
        [
          haproxyPort,
          `port 127.0.0.1:${String(haproxyPort)} (HAProxy, the lab's entry point in cluster-3) is in use`,
        ],
      ] as const) {
        const squatter = await squat(taken);
        try {
          const t0 = Date.now();
          const r = await lifeboat([
            'lab',
            'up',
            '--dir',
            dir,
            '--lifeboat-port',
            String(lifeboatPort),
            '--redis-port',
            String(redisPort),
            '--haproxy-port',
            String(haproxyPort),
          ]);
          process.stderr.write(
            `[lab-cli] port ${String(taken)} taken: failed in ${String(Date.now() - t0)} ms (reported, not asserted)\n`,
          );
          expect(r.code).not.toBe(0);
          expect(r.stderr).toContain(message);
          expect(r.stderr).toContain(
            taken === lifeboatPort
              ? 'choose another with --lifeboat-port'
              : 'choose another with --haproxy-port',
          );
          // Nothing was started: no member cluster, no service recorded.
          const left = await readdir(dir);
          expect(left).not.toContain('state.json');
          expect(left).not.toContain('services.json');
        } finally {
          await new Promise((resolve) => squatter.close(resolve));
        }
      }
    },
    2 * timeout,
  );

  it(
    'lab up on a lab that runs says it is already up, and the command it names shows it',
    async () => {
      // A real lab service (the lab's own Redis) recorded in this --dir.
      await startLabRedis(dir, await freePort());
      const r = await lifeboat(['lab', 'up', '--dir', dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`error: the lab in ${dir} is already up`);
      expect(r.stderr).toContain(`'lifeboat lab services --dir ${dir}' shows it`);
      const services = await lifeboat(['lab', 'services', '--dir', dir]);
      expect(services.code).toBe(0);
      expect(services.stdout).toMatch(/^redis\s+-\s+\d+\s+running\s/m);
    },
    2 * timeout,
  );
});
