/** Runs `lifeboat serve` as a child process (the real entry point) for benches. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
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
