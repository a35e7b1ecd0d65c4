import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabServiceError } from './errors.js';

/** One supervised lab process as recorded in `<dir>/services.json`. */
export interface ServiceRecord {
  /** Unique in the lab: `postgres-cluster-1`, `haproxy`, `agent-cluster-3` ... */
  name: string;
  /** The member cluster this process belongs to (it dies with `lab kill <cluster>`), if any. */
  cluster?: string;
  pid: number | null;
  /** A string only this process's command line contains, so a recycled pid is never signalled. */
  marker: string;
  /** `<dir>/logs/<name>.log`. */
  log: string;
  command: string;
  args: string[];
  /** Signal of a graceful stop (PostgreSQL: SIGINT, a fast shutdown). */
  stopSignal: NodeJS.Signals;
  startedAt: string | null;
}

/** `<dir>/services.json`: every lab process beside the member clusters of `state.json`. */
export interface ServicesFile {
  version: 1;
  services: ServiceRecord[];
}

/** Path of the services registry of the lab in `dir`. */
export function servicesPath(dir: string): string {
  return path.join(dir, 'services.json');
}

/** Reads `<dir>/services.json`; an empty registry when there is none. */
export async function readServices(dir: string): Promise<ServicesFile> {
  let text: string;
  try {
    text = await readFile(servicesPath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, services: [] };
    throw err;
  }
  const file = JSON.parse(text) as { version?: unknown };
  if (file.version !== 1) {
    throw new LabServiceError(
      `${servicesPath(dir)} has version ${String(file.version)}, this lifeboat understands 1: stop that lab with the lifeboat that started it, or delete ${dir}`,
    );
  }
  return file as ServicesFile;
}

const lockStaleMs = 30_000;

/**
 * Changes the registry in place (`change` mutates it) under a lock held across processes (stand-ins in agent processes
 * start and stop PostgreSQL while `lab kill` may be stopping others). Keep `change` short.
 */
export async function updateServices(
  dir: string,
  change: (file: ServicesFile) => void,
): Promise<ServicesFile> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, 'services.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A holder that died mid-update leaves the lock behind; nothing holds it this long.
      if (age > lockStaleMs) await rm(lock, { recursive: true, force: true });
      if (attempt > 600)
        throw new LabServiceError(
          `timed out waiting for the lock ${lock}; if no lifeboat process is running, delete it`,
        );
      await sleep(20);
    }
  }
  try {
    const next = await readServices(dir);
    change(next);
    // Write-then-rename, so a reader in another process never sees half a file.
    const file = servicesPath(dir);
    const tmp = `${file}.${String(process.pid)}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
    await rename(tmp, file);
    return next;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
