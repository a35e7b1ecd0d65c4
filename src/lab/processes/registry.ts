import path from 'node:path';
import { readJsonFile, updateJsonFile } from '../json-state.js';
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
  const file = (await readJsonFile(servicesPath(dir))) as { version?: unknown } | undefined;
  if (file === undefined) return { version: 1, services: [] };
  if (file.version !== 1) {
    throw new LabServiceError(
      `${servicesPath(dir)} has version ${String(file.version)}, this lifeboat understands 1: stop that lab with the lifeboat that started it, or delete ${dir}`,
    );
  }
  return file as ServicesFile;
}

/**
 * Changes the registry in place (`change` mutates it) under a lock held across processes
 * (stand-ins in agent processes start and stop PostgreSQL while `lab kill` may be
 * stopping others). Keep `change` short.
 */
export function updateServices(
  dir: string,
  change: (file: ServicesFile) => void,
): Promise<ServicesFile> {
  return updateJsonFile(
    servicesPath(dir),
    () => readServices(dir),
    (file) => {
      change(file);
      return file;
    },
    { error: (message) => new LabServiceError(message) },
  );
}
