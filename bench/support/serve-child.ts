/** Runs `lifeboat serve` as a child process (the real entry point) for benches. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/util/ports.js';

const root = path.resolve(import.meta.dirname, '../..');

export async function serveChild(
  args: string[],
  env: Record<string, string> = {},
  /** The CLI entry to run; default bin/lifeboat.js (sources through tsx in a checkout). */
  entry = path.join(root, 'bin/lifeboat.js'),
  /** Flags for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'node',
    [...nodeArgs, entry, 'serve', '--port', String(port), '--log-level', 'warn', ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`lifeboat serve exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error('lifeboat serve did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Lays out the image's /app under .lifeboat/<folder> — bin/, dist/ compiled from src/,
 * package.json, node_modules, and no src/ — and answers its bin/lifeboat.js, so a bench
 * runs `lifeboat serve` the way users of the image do (compiled, not through tsx).
 */
export async function imageLikeEntry(
  folder: string,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const app = path.join(root, '.lifeboat', folder);
  await rm(app, { recursive: true, force: true });
  await mkdir(path.join(app, 'bin'), { recursive: true });
  log(`compiling src/ to ${app}/dist ...`);
  // tsc exits non-zero on type errors anywhere but still emits; the entry's existence is checked below.
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      path.join(app, 'dist'),
    ],
    { cwd: root },
  ).catch(() => undefined);
  await readFile(path.join(app, 'dist', 'cli', 'main.js'));
  await copyFile(path.join(root, 'bin', 'lifeboat.js'), path.join(app, 'bin', 'lifeboat.js'));
  await copyFile(path.join(root, 'package.json'), path.join(app, 'package.json'));
  await symlink(path.join(root, 'node_modules'), path.join(app, 'node_modules'));
  return path.join(app, 'bin', 'lifeboat.js');
}
