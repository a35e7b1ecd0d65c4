/**
 * The lab's small JSON files shared between processes (`state.json` for the member
 * clusters, `services.json` for the other services): read them, and change them under a
 * lock that holds across processes, written so that no reader ever sees half a file.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Reads and parses `file`; undefined when it does not exist (other errors throw). */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}

/** Writes `value` to `file` as JSON, then renames: a reader in another process never sees half a file. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${String(process.pid)}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Makes the error thrown when the lock cannot be had (the caller's error class). */
  error: (message: string) => Error;
  /** Pause between attempts. Default 20 ms. */
  pollMs?: number;
  /** Attempts before giving up. Default 600. */
  attempts?: number;
}

/** A holder that died mid-update leaves the lock behind; nothing holds it this long. */
const lockStaleMs = 30_000;

/**
 * Runs `fn` holding the lock `lockDir` (a directory: `mkdir` is atomic across
 * processes). A lock older than 30 s is taken to be left by a dead holder and removed.
 * Keep `fn` short.
 */
export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options: FileLockOptions,
): Promise<T> {
  const attempts = options.attempts ?? 600;
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > lockStaleMs) await rm(lockDir, { recursive: true, force: true });
      if (attempt > attempts)
        throw options.error(
          `timed out waiting for the lock ${lockDir}; if no lifeboat process is running, delete it`,
        );
      await sleep(options.pollMs ?? 20);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * Replaces the JSON file `file` with `change(current)` under the lock `<file minus
 * .json>.lock` beside it; returns what was written. `read` parses the current content
 * (and says what to do with a file it does not understand).
 */
export async function updateJsonFile<Current, Next>(
  file: string,
  read: () => Promise<Current>,
  change: (current: Current) => Next | Promise<Next>,
  options: FileLockOptions,
): Promise<Next> {
  await mkdir(path.dirname(file), { recursive: true });
  const lock = `${file.replace(/\.json$/, '')}.lock`;
  return withFileLock(
    lock,
    async () => {
      const next = await change(await read());
      await writeJsonFile(file, next);
      return next;
    },
    options,
  );
}
