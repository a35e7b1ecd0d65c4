/**
 * Starts a private `redis-server` child: used by `lifeboat serve` when no --redis is
 * given, by the lab, and by the test setup when REDIS_URL is not set. Data lives in
 * `dir` with the append-only file on, so a restart keeps runs and objects.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../util/ports.js';

export const REDIS_INSTALL_HINT = 'apt-get update && apt-get install -y redis-server';

export class RedisServerMissing extends Error {
  constructor() {
    super(
      `redis-server is not on PATH. Install it with:\n  ${REDIS_INSTALL_HINT}\nor pass --redis redis://HOST:PORT to use a running Redis.`,
    );
    this.name = 'RedisServerMissing';
  }
}

export interface RedisServerHandle {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startRedisServer(opts: {
  dir: string;
  port?: number;
  appendOnly?: boolean;
  logFile?: string;
}): Promise<RedisServerHandle> {
  if (!redisServerAvailable()) throw new RedisServerMissing();
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    path.resolve(opts.dir),
    '--appendonly',
    opts.appendOnly === false ? 'no' : 'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--protected-mode',
    'yes',
    '--logfile',
    opts.logFile ? path.resolve(opts.logFile) : '',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(
        new Error(`redis-server exited with code ${code ?? 'null'} (port ${port}); see its log`),
      ),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined); // refused connections are expected until it listens
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server did not answer on ${url} within 10 s`);
  })();
  await Promise.race([ready, exited]);
  return {
    url,
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
