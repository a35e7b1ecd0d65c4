import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot } from '../clusters/paths.js';
import { LabServiceError } from '../processes/errors.js';

const run = promisify(execFile);

/** The script that builds (or finds cached) the pinned FerretDB 1.x binary. */
export const ferretdbBuildScript = path.join(repoRoot, 'tools', 'ferretdb', 'build.sh');

/** Where tools/ferretdb/build.sh puts (or has put) the binary, whether or not it exists yet. */
export async function ferretdbBinaryPath(): Promise<string> {
  const { stdout } = await run('bash', [ferretdbBuildScript, '--print']);
  const file = stdout.trim();
  if (!file) throw new LabServiceError(`bash ${ferretdbBuildScript} --print printed no path`);
  return file;
}

/** Options of {@link ensureFerretdb}. */
export interface EnsureFerretdbOptions {
  /** Build it when missing (about 2 minutes the first time) instead of failing. Default true. */
  build?: boolean;
  onProgress?: (line: string) => void;
}

/**
 * The cached FerretDB binary, built with `tools/ferretdb/build.sh` when missing (unless
 * `build: false`, which fails naming that command).
 */
export async function ensureFerretdb(options: EnsureFerretdbOptions = {}): Promise<string> {
  const file = await ferretdbBinaryPath();
  const present = await access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (present) return file;
  if (options.build === false)
    throw new LabServiceError(
      `FerretDB is not built (${file} is missing); build it once with: bash tools/ferretdb/build.sh (needs Go; about 2 minutes)`,
    );
  const child = spawn('bash', [ferretdbBuildScript], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = createInterface({ input: child.stderr });
  const tail: string[] = [];
  lines.on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onProgress?.(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0)
    throw new LabServiceError(
      `bash tools/ferretdb/build.sh failed (exit ${String(code)}):\n${tail.join('\n')}`,
    );
  return file;
}
