/**
 * A lifeboat recovery worker in its own process, for crash tests (run with
 * `node --import tsx`). It wires the store and the engine from the environment the way
 * `lifeboat serve` does, prints "ready" once its worker is up, and stops cleanly on
 * SIGTERM; tests kill -9 it to crash it mid-run.
 *
 *   REDIS_URL, LIFEBOAT_PREFIX           where the installation lives
 *   LOCK_MS, STALLED_MS, SWEEP_MS        engine tuning (fast in tests)
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createRecoveryEngine } from '../../src/recovery/engine.js';
import { KindRegistry } from '../../src/store/kind-registry.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { ResourceService } from '../../src/store/resource-service.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 2 });
const store = new RedisStore(redis, env('LIFEBOAT_PREFIX'));
const engine = createRecoveryEngine({
  resources: new ResourceService(store),
  kinds: new KindRegistry(store),
  metrics: createMetrics({ defaults: false }),
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
  lockDurationMs: Number(process.env.LOCK_MS ?? 2000),
  stalledIntervalMs: Number(process.env.STALLED_MS ?? 1000),
  sweepIntervalMs: Number(process.env.SWEEP_MS ?? 1000),
});
await engine.start();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void engine.stop().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
});
