/**
 * vitest globalSetup: a real Redis for the run. Uses REDIS_URL when set (CI starts its
 * own redis-server and exports it); otherwise starts a private redis-server.
 * Tests isolate themselves with a random key prefix (see ./redis.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../../src/store/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  if (given) {
    project.provide('redisUrl', given);
    return async () => {};
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-test-redis-'));
  const server = await startRedisServer({ dir, appendOnly: false });
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
