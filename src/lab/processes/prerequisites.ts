import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import { LabServiceError } from './errors.js';

const exec = promisify(execFile);

/** A program the lab runs, where it is expected and which Debian package ships it. */
export interface Prerequisite {
  /** Shown in messages: `PostgreSQL 15 server`. */
  what: string;
  /** Absolute path of the program. */
  path: string;
  /** Debian package that installs it. */
  debianPackage: string;
}

/** The Debian programs the lab's services run (paths of Debian 12's packages). */
export const labPrerequisites = {
  postgres: {
    what: 'PostgreSQL 15 server',
    path: '/usr/lib/postgresql/15/bin/postgres',
    debianPackage: 'postgresql',
  },
  haproxy: { what: 'HAProxy', path: '/usr/sbin/haproxy', debianPackage: 'haproxy' },
  prometheus: { what: 'Prometheus', path: '/usr/bin/prometheus', debianPackage: 'prometheus' },
  alertmanager: {
    what: 'Alertmanager',
    path: '/usr/bin/prometheus-alertmanager',
    debianPackage: 'prometheus-alertmanager',
  },
} as const satisfies Record<string, Prerequisite>;

/** The exact command that installs `packages` on Debian. */
export function aptInstallCommand(packages: readonly string[]): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The prerequisites whose program is missing. */
export async function missingPrerequisites(
  wanted: readonly Prerequisite[],
): Promise<Prerequisite[]> {
  const found = await Promise.all(wanted.map((p) => executable(p.path)));
  return wanted.filter((_, i) => !found[i]);
}

/**
 * Fails naming the exact install command when a program is missing. With `install`
 * (only as root: `lab up` does this) runs that command first and checks again.
 */
export async function requirePrerequisites(
  wanted: readonly Prerequisite[],
  options: { install?: boolean; onProgress?: (line: string) => void } = {},
): Promise<void> {
  let missing = await missingPrerequisites(wanted);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  const root = process.getuid?.() === 0;
  if (options.install && root) {
    options.onProgress?.(`installing Debian packages: ${packages.join(' ')} (about 20 s)`);
    await exec('apt-get', ['update', '-qq'], { timeout: 300_000 });
    await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    missing = await missingPrerequisites(wanted);
    if (missing.length === 0) return;
  }
  const lines = missing.map((p) => `  ${p.what}: ${p.path} (Debian package ${p.debianPackage})`);
  throw new LabServiceError(
    `missing lab prerequisites:\n${lines.join('\n')}\ninstall them with:\n  ${root ? '' : "sudo sh -c '"}${aptInstallCommand(packages)}${root ? '' : "'"}\n(or: bash scripts/setup.sh --lab)`,
  );
}
