import { mkdir, mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile, updateJsonFile } from './json-state.js';

class TestError extends Error {}
const options = { error: (message: string) => new TestError(message) };

let dir: string;
let file: string;
const readCount = async (): Promise<{ n: number }> =>
  ((await readJsonFile(file)) as { n: number } | undefined) ?? { n: 0 };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-json-state-'));
  file = path.join(dir, 'sub', 'state.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('updateJsonFile', () => {
  it('loses no update when many run at once (the lock serialises read-change-write)', async () => {
    await Promise.all(
      Array.from({ length: 25 }, () =>
        updateJsonFile(
          file,
          readCount,
          async (s) => {
            // Yield between read and write: without the lock, updates would overwrite each other.
            await new Promise((r) => setTimeout(r, 1));
            return { n: s.n + 1 };
          },
          options,
        ),
      ),
    );
    expect(JSON.parse(await readFile(file, 'utf8'))).toStrictEqual({ n: 25 });
    // Nothing but the state is left: no lock, no temp file.
    expect(await readdir(path.join(dir, 'sub'))).toStrictEqual(['state.json']);
  });

  it('takes over a lock left by a dead holder (older than 30 s)', async () => {
    const lock = path.join(dir, 'sub', 'state.lock');
    await mkdir(lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await expect(updateJsonFile(file, readCount, () => ({ n: 7 }), options)).resolves.toEqual({
      n: 7,
    });
  });

  it("gives up on a live lock with the caller's error, naming the lock", async () => {
    const lock = path.join(dir, 'sub', 'state.lock');
    await mkdir(lock, { recursive: true });
    const attempt = updateJsonFile(file, readCount, () => ({ n: 1 }), {
      ...options,
      attempts: 2,
      pollMs: 1,
    });
    await expect(attempt).rejects.toThrow(TestError);
    await expect(attempt).rejects.toThrow(`timed out waiting for the lock ${lock}`);
    expect(await readJsonFile(file)).toBeUndefined();
  });
});
