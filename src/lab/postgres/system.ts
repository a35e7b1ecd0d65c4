import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LabServiceError } from '../processes/errors.js';
import { aptInstallCommand } from '../processes/prerequisites.js';

/** The user PostgreSQL runs as: `postgres` when the lab runs as root (it refuses root). */
export interface PgUser {
  uid: number;
  gid: number;
}

/**
 * `postgres`'s uid and gid when this process is root; undefined otherwise (the lab then
 * runs PostgreSQL as the current user).
 */
export async function pgUser(): Promise<PgUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new LabServiceError(
      `PostgreSQL refuses to run as root and there is no 'postgres' user; install the server package, which creates it: ${aptInstallCommand(['postgresql'])}`,
    );
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The PostgreSQL server binaries: `$LIFEBOAT_PG_BINDIR`, else the newest
 * `/usr/lib/postgresql/<major>/bin` (Debian's layout; Debian 12 ships 15).
 */
export async function pgBinDir(): Promise<string> {
  const fromEnv = process.env.LIFEBOAT_PG_BINDIR;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = await readdir(root).catch(() => [] as string[]);
  const newest = majors.filter((m) => /^\d+$/.test(m)).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new LabServiceError(
      `PostgreSQL server binaries not found in ${root}/<version>/bin; install them with: ${aptInstallCommand(['postgresql'])} (or: bash scripts/setup.sh --lab)`,
    );
  return path.join(root, newest, 'bin');
}
