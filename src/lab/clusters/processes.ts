import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabClustersError } from './errors.js';

/**
 * Starts `command` in its own session with output appended to `logFile`, and lets it
 * outlive this process: `lab clusters up` exits, and vitest workers come and go, while
 * the clusters keep running until something stops them by pid.
 */
export async function spawnDetached(
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((err: unknown) => {
      throw new LabClustersError(`cannot start ${command}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    child.unref();
    if (child.pid === undefined) throw new LabClustersError(`cannot start ${command}: no pid`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `pid` is a live (not zombie) process whose command line contains `marker`.
 * The marker (a data dir or port flag) guards against a recycled pid: we never signal a
 * process we did not start.
 */
export async function isOurs(pid: number | null, marker: string): Promise<boolean> {
  if (pid === null) return false;
  try {
    const [cmdline, stat] = await Promise.all([
      readFile(`/proc/${String(pid)}/cmdline`, 'utf8'),
      readFile(`/proc/${String(pid)}/stat`, 'utf8'),
    ]);
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name, is the state.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return (
      state !== 'Z' && state !== 'X' && cmdline.split('\0').some((arg) => arg.includes(marker))
    );
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to our process `pid` and waits until it is gone; a SIGTERM that has not
 * worked after `graceMs` is followed by SIGKILL. Returns false if it was not running.
 */
export async function stopProcess(
  pid: number | null,
  marker: string,
  signal: 'SIGTERM' | 'SIGKILL',
  graceMs = 15_000,
): Promise<boolean> {
  if (pid === null || !(await isOurs(pid, marker))) return false;
  signalQuietly(pid, signal);
  const deadline = Date.now() + graceMs;
  while (await isOurs(pid, marker)) {
    if (Date.now() > deadline) {
      signalQuietly(pid, 'SIGKILL');
      if (Date.now() > deadline + 5_000)
        throw new LabClustersError(`process ${String(pid)} (${marker}) did not exit after SIGKILL`);
    }
    await sleep(25);
  }
  return true;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The last `lines` lines of a log file, for error messages; empty if it cannot be read. */
export async function logTail(logFile: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
