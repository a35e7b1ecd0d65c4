/**
 * `lifeboat serve`: read the configuration once, wire the parts, serve, and shut down
 * in order on SIGINT/SIGTERM (HTTP server, then background loops, then Redis).
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { createApp } from './api/app.js';
import { TokenBook } from './api/auth.js';
import { gitopsRoutes } from './api/routes/gitops.js';
import { placementRoutes } from './api/routes/placements.js';
import { listen } from './api/server.js';
import { isLoopback, type ServeConfig } from './config.js';
import { DirectorySync } from './gitops/directory-sync.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createPropagation } from './propagation/propagator.js';
import { createRecoveryEngine } from './recovery/engine.js';
import { recoveryRoutes } from './api/routes/runs.js';
import { KindRegistry } from './store/kind-registry.js';
import { RedisStore } from './store/redis-store.js';
import { startRedisServer, type RedisServerHandle } from './store/redis-server.js';
import { ResourceService } from './store/resource-service.js';

export interface Running {
  url: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** Something with a lifetime inside the server process (GitOps sync, recovery worker, propagator). */
interface Component {
  name: string;
  stop(): Promise<void>;
}

function loadTokens(config: ServeConfig, logger: Logger): TokenBook {
  const fromEnv = TokenBook.fromEnv(process.env);
  const book = config.tokensFile ? TokenBook.fromFile(config.tokensFile) : new TokenBook(fromEnv);
  if (book.open) {
    if (!isLoopback(config.host)) {
      throw new Error(
        `refusing to serve on ${config.host} without tokens: anyone who can reach it could change recovery plans. ` +
          'Pass --tokens-file FILE (or set LIFEBOAT_ADMIN_TOKEN), or bind to 127.0.0.1.',
      );
    }
    logger.warn(
      { host: config.host },
      'no tokens configured: the API is open to local processes and bound to loopback only',
    );
  }
  return book;
}

export async function serve(
  config: ServeConfig,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<Running> {
  const components: Component[] = [];
  let embedded: RedisServerHandle | undefined;
  const tokens = loadTokens(config, logger);

  let redisUrl = config.redisUrl;
  if (!redisUrl) {
    const dir = path.join(config.dataDir, 'redis');
    embedded = await startRedisServer({ dir, logFile: path.join(dir, 'redis.log') });
    redisUrl = embedded.url;
    logger.info(
      { redisUrl, dir },
      'started a private redis-server (append-only file on); pass --redis URL to use your own',
    );
  }
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    await embedded?.stop();
    throw new Error(
      `cannot reach Redis at ${redisUrl}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  const store = new RedisStore(redis, config.keyPrefix);
  const resources = new ResourceService(store);
  const kinds = new KindRegistry(store);
  const metrics = createMetrics();

  let sync: DirectorySync | undefined;
  if (config.gitops) {
    const dirs = [config.policiesDir, config.plansDir, ...config.extraDirs];
    sync = new DirectorySync(
      { resources, logger: logger.child({ component: 'gitops' }), metrics },
      dirs,
    );
    await sync.adopt();
    await sync.start();
    const st = sync.status();
    for (const f of st.files.filter((x) => !x.ok))
      logger.warn({ file: f.file, errors: f.errors }, 'gitops file not loaded');
    logger.info({ dirs, files: st.files.length }, 'gitops folders loaded');
    const s = sync;
    components.push({ name: 'gitops', stop: () => s.stop() });
  }

  // After GitOps load, so the first placements see the policies from the folders.
  const propagation = createPropagation({ redis, store, resources, logger, metrics });
  await propagation.start();
  components.push({ name: 'propagation', stop: () => propagation.stop() });

  // Recovery steps with `cluster:` reach member clusters through the propagation's clients.
  const recovery = createRecoveryEngine({
    resources,
    kinds,
    metrics,
    logger: logger.child({ component: 'recovery' }),
    members: propagation.members,
    alertRetention: { maxAgeSeconds: config.alertMaxAgeSeconds, maxCount: config.alertMaxCount },
  });
  await recovery.start();
  components.push({ name: 'recovery', stop: () => recovery.stop() });

  const app = createApp({
    redis,
    resources,
    kinds,
    tokens,
    metrics,
    logger,
    routers: [gitopsRoutes(sync), placementRoutes(propagation), ...recoveryRoutes(recovery)],
  });
  const http = await listen(app, config.host, config.port);
  logger.info(
    { url: http.url, auth: tokens.open ? 'open (loopback only)' : 'bearer tokens' },
    'lifeboat is serving',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await http.close();
      for (const c of components.reverse()) {
        try {
          await c.stop();
        } catch (err) {
          logger.warn({ err, component: c.name }, 'component did not stop cleanly');
        }
      }
      redis.disconnect();
      await embedded?.stop();
    })());
  return { url: http.url, redisUrl, stop };
}

/** Runs until SIGINT/SIGTERM, then stops in order. */
export async function serveUntilSignalled(config: ServeConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  const running = await serve(config, logger);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      running.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
