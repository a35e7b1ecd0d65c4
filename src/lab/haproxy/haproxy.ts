import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabServiceError } from '../processes/errors.js';
import { assertPortFree, isListening } from '../../util/ports.js';
import { labPrerequisites, requirePrerequisites } from '../processes/prerequisites.js';
import { runCommand } from '../processes/run.js';
import {
  findService,
  killService,
  serviceRunning,
  startService,
  stopService,
} from '../processes/supervisor.js';
import type { LabTopology } from '../topology/topology.js';
import { placeholderHaproxyConfig } from './render.js';
import type { HaproxyRenderTarget } from './render.js';
import { hostnameTable } from '../topology/hostnames.js';

/** Supervisor name of the lab's HAProxy (the master process). */
export const haproxyServiceName = 'haproxy';

/** Files of the lab's HAProxy under `<dir>/haproxy/`. */
export function haproxyFiles(topology: LabTopology) {
  const base = topology.haproxy.dir;
  return {
    config: path.join(base, 'haproxy.cfg'),
    masterSocket: path.join(base, 'master.sock'),
    adminSocket: path.join(base, 'admin.sock'),
    /** What the stand-in last applied: see {@link AppliedHaproxy}. */
    applied: path.join(base, 'applied.json'),
  };
}

/** Where rendering maps a manifest for this lab's HAProxy. */
export function haproxyRenderTarget(topology: LabTopology): HaproxyRenderTarget {
  return {
    bind: { host: topology.haproxy.host, port: topology.haproxy.port },
    hosts: hostnameTable(topology),
    adminSocket: haproxyFiles(topology).adminSocket,
  };
}

/** Checks a configuration with `haproxy -c`; throws with HAProxy's own words. */
export async function checkHaproxyConfig(file: string): Promise<void> {
  try {
    await runCommand(labPrerequisites.haproxy.path, ['-c', '-q', '-f', file], {
      timeoutMs: 15_000,
    });
  } catch (err) {
    throw new LabServiceError(`HAProxy rejects ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Starts the lab's HAProxy (cluster-3's) in master-worker mode on the fixed entry port,
 * with the current config if one was applied before, else a placeholder that holds the
 * port until the stand-in renders the ConfigMap. Resolves once the port accepts.
 */
export async function startHaproxy(
  topology: LabTopology,
  onProgress: (line: string) => void = () => undefined,
): Promise<{ host: string; port: number }> {
  await requirePrerequisites([labPrerequisites.haproxy]);
  const files = haproxyFiles(topology);
  const { host, port } = topology.haproxy;
  if (await serviceRunning(topology.dir, haproxyServiceName)) return { host, port };
  await mkdir(topology.haproxy.dir, { recursive: true });
  const current = await readFile(files.config, 'utf8').catch(() => '');
  if (!current)
    await writeFile(files.config, placeholderHaproxyConfig(haproxyRenderTarget(topology)));
  await checkHaproxyConfig(files.config);
  await assertPortFree(
    host,
    port,
    "HAProxy, the lab's entry point in cluster-3",
    'choose another with --haproxy-port',
  );
  await startService(topology.dir, {
    name: haproxyServiceName,
    cluster: topology.haproxy.cluster,
    command: labPrerequisites.haproxy.path,
    // -W: master-worker, so SIGUSR2 reloads without closing the listener; -S: master CLI.
    args: ['-W', '-S', files.masterSocket, '-f', files.config],
    marker: files.config,
    ready: () => isListening(host, port, 300),
    readyTimeoutMs: 15_000,
  });
  onProgress(`cluster-3: HAProxy on ${host}:${String(port)}`);
  return { host, port };
}

/** Sends one command to HAProxy's master CLI socket and resolves its answer. */
export function masterCli(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // Half-close after the command: the master CLI answers and closes only once it
    // knows no further command is coming.
    const socket = net.connect({ path: socketPath, allowHalfOpen: true });
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer from ${socketPath} in ${String(timeoutMs)} ms`)),
    );
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Pids of the current (not old, not leaving) workers, from `show proc`. */
export async function haproxyWorkers(topology: LabTopology): Promise<number[]> {
  const text = await masterCli(haproxyFiles(topology).masterSocket, 'show proc');
  const workers: number[] = [];
  let inWorkers = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('# workers')) inWorkers = true;
    else if (line.startsWith('#')) inWorkers = false;
    else if (inWorkers) {
      const pid = Number(line.trim().split(/\s+/)[0]);
      if (Number.isInteger(pid) && pid > 0) workers.push(pid);
    }
  }
  return workers;
}

/** What one reload did. */
export interface HaproxyReload {
  /** From the new config written to a new worker serving. */
  ms: number;
  oldWorkers: number[];
  newWorkers: number[];
}

/**
 * Replaces HAProxy's configuration with `config` without dropping its listener: checks
 * it with `haproxy -c` (a bad config leaves the running one untouched), swaps the file,
 * sends SIGUSR2 to the master and waits for the new worker. Old workers leave after
 * `hard-stop-after`.
 */
export async function reloadHaproxy(topology: LabTopology, config: string): Promise<HaproxyReload> {
  const files = haproxyFiles(topology);
  const master = await findService(topology.dir, haproxyServiceName);
  if (!master?.pid || !(await serviceRunning(topology.dir, haproxyServiceName)))
    throw new LabServiceError("the lab's HAProxy is not running: start it first (startHaproxy)");
  const candidate = `${files.config}.next`;
  await writeFile(candidate, config);
  await checkHaproxyConfig(candidate);
  const t0 = Date.now();
  const oldWorkers = await haproxyWorkers(topology);
  await rename(candidate, files.config);
  process.kill(master.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const workers = await haproxyWorkers(topology).catch(() => [] as number[]);
    const fresh = workers.filter((w) => !oldWorkers.includes(w));
    if (fresh.length > 0) return { ms: Date.now() - t0, oldWorkers, newWorkers: fresh };
    if (Date.now() > deadline)
      throw new LabServiceError(
        `HAProxy did not start a new worker within 10 s of SIGUSR2; see ${topology.dir}/logs/haproxy.log`,
      );
    await sleep(10);
  }
}

/** Stops the lab's HAProxy (master and workers). */
export function stopHaproxy(topology: LabTopology): Promise<boolean> {
  return stopService(topology.dir, haproxyServiceName);
}

/** Kills the lab's HAProxy (SIGKILL to master and workers). */
export function killHaproxy(topology: LabTopology): Promise<boolean> {
  return killService(topology.dir, haproxyServiceName);
}
