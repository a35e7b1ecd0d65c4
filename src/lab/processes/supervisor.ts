import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOurs, logTail } from '../clusters/processes.js';
import { LabServiceError } from './errors.js';
import { readServices, updateServices } from './registry.js';
import type { ServiceRecord } from './registry.js';

/** What {@link startService} runs and how it knows the process is ready. */
export interface ServiceSpec {
  /** Unique in the lab: also the log file's name (`<dir>/logs/<name>.log`). */
  name: string;
  /** The member cluster it belongs to: `killClusterServices` stops it with that cluster. */
  cluster?: string;
  command: string;
  args: string[];
  /** A string only this process's command line contains (a data dir, a config file). */
  marker: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Graceful stop signal. Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Resolves true once the process serves; polled every 100 ms until `readyTimeoutMs`. */
  ready?: () => Promise<boolean>;
  /** Default 60 s. */
  readyTimeoutMs?: number;
}

/** The folder every lab component logs into. */
export function logsDir(dir: string): string {
  return path.join(dir, 'logs');
}

/** Log file of service `name` in the lab in `dir`. */
export function serviceLog(dir: string, name: string): string {
  return path.join(logsDir(dir), `${name}.log`);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True while any process of the process group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The recorded service `name`, or undefined. */
export async function findService(dir: string, name: string): Promise<ServiceRecord | undefined> {
  return (await readServices(dir)).services.find((s) => s.name === name);
}

/** True when service `name` is recorded and its process runs. */
export async function serviceRunning(dir: string, name: string): Promise<boolean> {
  const record = await findService(dir, name);
  return record ? isOurs(record.pid, record.marker) : false;
}

/**
 * Starts a lab process in its own session (so it outlives the caller and a kill can take
 * its whole process group), logging to `<dir>/logs/<name>.log`, records its pid in
 * `<dir>/services.json`, and waits until `spec.ready` holds. A service already running
 * is left alone. On failure the process is stopped and the error quotes its log.
 */
export async function startService(dir: string, spec: ServiceSpec): Promise<ServiceRecord> {
  const existing = await findService(dir, spec.name);
  if (existing && (await isOurs(existing.pid, existing.marker))) return existing;

  await mkdir(logsDir(dir), { recursive: true });
  const log = serviceLog(dir, spec.name);
  const fd = openSync(log, 'a');
  let pid: number;
  try {
    writeSync(
      fd,
      `\n=== lifeboat lab: ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`,
    );
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((err: unknown) => {
      throw new LabServiceError(
        `cannot start ${spec.name} (${spec.command}): ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    });
    child.unref();
    if (child.pid === undefined) throw new LabServiceError(`cannot start ${spec.name}: no pid`);
    pid = child.pid;
  } finally {
    closeSync(fd);
  }

  const record: ServiceRecord = {
    name: spec.name,
    ...(spec.cluster === undefined ? {} : { cluster: spec.cluster }),
    pid,
    marker: spec.marker,
    log,
    command: spec.command,
    args: spec.args,
    stopSignal: spec.stopSignal ?? 'SIGTERM',
    startedAt: new Date().toISOString(),
  };
  await updateServices(dir, (file) => {
    const i = file.services.findIndex((s) => s.name === spec.name);
    if (i === -1) file.services.push(record);
    else file.services[i] = record;
  });

  if (spec.ready) {
    const timeoutMs = spec.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await spec.ready().catch(() => false)) break;
      if (!(await isOurs(pid, spec.marker))) {
        throw new LabServiceError(
          `${spec.name} exited while starting; last lines of ${log}:\n${await logTail(log)}`,
        );
      }
      if (Date.now() > deadline) {
        await stopService(dir, spec.name);
        throw new LabServiceError(
          `${spec.name} not ready after ${String(timeoutMs / 1000)}s; last lines of ${log}:\n${await logTail(log)}`,
        );
      }
      await sleep(100);
    }
  }
  return record;
}

async function waitGone(record: ServiceRecord, pid: number, untilMs: number): Promise<boolean> {
  while (Date.now() < untilMs) {
    if (!(await isOurs(pid, record.marker)) && !groupAlive(pid)) return true;
    await sleep(20);
  }
  return false;
}

/**
 * Stops service `name`: its graceful signal first, SIGKILL to its whole process group
 * after `graceMs`, and any process left in the group (PostgreSQL backends, HAProxy's old
 * workers) is killed too, so nothing is left behind. Resolves false if it was not running.
 */
export async function stopService(
  dir: string,
  name: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<boolean> {
  const record = await findService(dir, name);
  if (!record || record.pid === null) return false;
  const pid = record.pid;
  const ours = await isOurs(pid, record.marker);
  if (ours) {
    const signal = options.signal ?? record.stopSignal;
    if (signal === 'SIGKILL') signalQuietly(-pid, 'SIGKILL');
    else signalQuietly(pid, signal);
    if (!(await waitGone(record, pid, Date.now() + (options.graceMs ?? 15_000)))) {
      signalQuietly(-pid, 'SIGKILL');
      if (!(await waitGone(record, pid, Date.now() + 5_000)))
        throw new LabServiceError(
          `${name} (pid ${String(pid)}) did not exit after SIGKILL; see ${record.log}`,
        );
    }
  }
  await updateServices(dir, (file) => {
    const current = file.services.find((s) => s.name === name);
    // Another process may have started it again meanwhile: keep that pid.
    if (current?.pid === pid) current.pid = null;
  });
  return ours;
}

/** Kills service `name` and its process group at once (SIGKILL), as a crash would. */
export function killService(dir: string, name: string): Promise<boolean> {
  return stopService(dir, name, { signal: 'SIGKILL', graceMs: 5_000 });
}

/** One row of {@link servicesStatus}. */
export interface ServiceStatus {
  name: string;
  cluster?: string;
  pid: number | null;
  running: boolean;
  log: string;
}

/** Every recorded service and whether it runs. */
export async function servicesStatus(dir: string): Promise<ServiceStatus[]> {
  const { services } = await readServices(dir);
  return Promise.all(
    services.map(async (s) => ({
      name: s.name,
      ...(s.cluster === undefined ? {} : { cluster: s.cluster }),
      pid: s.pid,
      running: await isOurs(s.pid, s.marker),
      log: s.log,
    })),
  );
}

/**
 * Stops the services that `select` picks (all by default), in reverse start order, each
 * with its graceful signal (or SIGKILL when `kill`). Returns the names that were running.
 */
export async function stopServices(
  dir: string,
  options: {
    select?: (s: ServiceRecord) => boolean;
    kill?: boolean;
    onProgress?: (line: string) => void;
  } = {},
): Promise<string[]> {
  const { services } = await readServices(dir);
  const stopped: string[] = [];
  if (options.kill) {
    // A crash takes everything at once: signal every group first, then wait for each.
    const targets: ServiceRecord[] = [];
    for (const s of services) {
      if (options.select && !options.select(s)) continue;
      if (s.pid !== null && (await isOurs(s.pid, s.marker))) {
        signalQuietly(-s.pid, 'SIGKILL');
        targets.push(s);
      }
    }
    for (const s of targets) {
      const pid = s.pid as number;
      if (!(await waitGone(s, pid, Date.now() + 5_000)))
        throw new LabServiceError(
          `${s.name} (pid ${String(pid)}) did not exit after SIGKILL; see ${s.log}`,
        );
      stopped.push(s.name);
      options.onProgress?.(`${s.name}: killed`);
    }
    await updateServices(dir, (file) => {
      for (const t of targets) {
        const current = file.services.find((x) => x.name === t.name);
        if (current?.pid === t.pid) current.pid = null;
      }
    });
    return stopped;
  }
  for (const s of [...services].reverse()) {
    if (options.select && !options.select(s)) continue;
    if (await stopService(dir, s.name)) {
      stopped.push(s.name);
      options.onProgress?.(`${s.name}: stopped`);
    }
  }
  return stopped;
}

/** Kills (SIGKILL) every service of member cluster `cluster`: a crashed machine. */
export function killClusterServices(
  dir: string,
  cluster: string,
  onProgress?: (line: string) => void,
): Promise<string[]> {
  return stopServices(dir, {
    select: (s) => s.cluster === cluster,
    kill: true,
    ...(onProgress ? { onProgress } : {}),
  });
}
