import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { LabClustersError } from './errors.js';
import { buildScript } from './paths.js';

const run = promisify(execFile);

/** Absolute paths of the binaries a lab cluster runs. */
export interface Binaries {
  kubeApiserver: string;
  etcd: string;
}

/** Options of {@link ensureBinaries}. */
export interface EnsureBinariesOptions {
  /** Build missing binaries (about 9 minutes the first time) instead of failing. Default true. */
  build?: boolean;
  /** Receives the build script's progress lines. */
  onProgress?: (line: string) => void;
}

/** Where tools/k8s/build.sh puts (or has put) the pinned binaries, whether or not they exist yet. */
export async function binaryPaths(): Promise<Binaries> {
  const { stdout } = await run('bash', [buildScript, '--print']);
  const [kubeApiserver, etcd] = stdout.trim().split('\n');
  if (!kubeApiserver || !etcd)
    throw new LabClustersError(`bash ${buildScript} --print printed no binary paths: ${stdout}`);
  return { kubeApiserver, etcd };
}

async function missing(binaries: Binaries): Promise<string[]> {
  const paths = [binaries.kubeApiserver, binaries.etcd];
  const found = await Promise.all(
    paths.map((p) =>
      access(p, constants.X_OK).then(
        () => true,
        () => false,
      ),
    ),
  );
  return paths.filter((_, i) => !found[i]);
}

/**
 * Returns the cached kube-apiserver and etcd binaries, building them with
 * `tools/k8s/build.sh` when missing (unless `build: false`, which fails naming the command).
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<Binaries> {
  const binaries = await binaryPaths();
  const absent = await missing(binaries);
  if (absent.length === 0) return binaries;
  if (options.build === false) {
    throw new LabClustersError(
      `missing ${absent.join(' and ')}: build them once with 'bash tools/k8s/build.sh' (needs Go; about 9 minutes the first time, then cached)`,
    );
  }
  const child = spawn('bash', [buildScript], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onProgress?.(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new LabClustersError(
      `'bash ${buildScript}' failed (exit ${String(code)}):\n${tail.join('\n')}`,
    );
  }
  const stillAbsent = await missing(binaries);
  if (stillAbsent.length > 0)
    throw new LabClustersError(
      `'bash ${buildScript}' succeeded but ${stillAbsent.join(' and ')} is missing`,
    );
  return binaries;
}
