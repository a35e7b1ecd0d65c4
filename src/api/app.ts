/**
 * The HTTP API as an express app, built from its dependencies (no globals, no I/O at
 * import), so tests and `lifeboat serve` wire it the same way.
 */
import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { KindRegistry } from '../store/kind-registry.js';
import type { ResourceService } from '../store/resource-service.js';
import type { TokenBook } from './auth.js';
import { setPrincipal } from './context.js';
import { errorMiddleware } from './errors-middleware.js';
import { fastPath, fastRouteOf, type FastPath } from './fast-path.js';
import { applyRoutes } from './routes/apply.js';
import { healthRoutes } from './routes/health.js';
import { resourceRoutes } from './routes/resources.js';

export interface AppDeps {
  redis: Redis;
  resources: ResourceService;
  kinds: KindRegistry;
  tokens: TokenBook;
  metrics: Metrics;
  logger: Logger;
  /** Routers mounted before the generic resource routes (webhooks, runs, gitops status). */
  routers?: Router[];
}

/** The node:http fast paths of an app's routers (see fast-path.ts), used by `listen`. */
const appFastPaths = new WeakMap<object, FastPath[]>();

export function fastPathsOf(app: object): FastPath[] {
  return appFastPaths.get(app) ?? [];
}

/** Route label for metrics: the path's shape, never its names (bounded cardinality). */
function routeLabel(path: string): string {
  if (path.startsWith('/apis/') || path.startsWith('/api/')) {
    const parts = path.split('/');
    if (path.endsWith('/run')) return 'run';
    return parts[1] ?? 'api';
  }
  return path.split('/').slice(0, 3).join('/') || '/';
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Clients use resourceVersion, not ETags; hashing every response body is wasted work.
  app.set('etag', false);

  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ route: routeLabel(req.path) });
    res.on('finish', () => {
      end();
      deps.metrics.httpRequests.inc({
        method: req.method,
        route: routeLabel(req.path),
        code: String(res.statusCode),
      });
    });
    next();
  });

  app.use(healthRoutes(deps));

  // Everything below needs a principal; roles are checked per route.
  app.use((req, _res, next) => {
    setPrincipal(req, deps.tokens.authenticate(req.headers.authorization));
    next();
  });

  app.use(applyRoutes(deps));
  for (const r of deps.routers ?? []) app.use(r);
  app.use(resourceRoutes(deps));

  app.use((req, res) => {
    res.status(404).json({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 404,
      reason: 'NotFound',
      message: `no route for ${req.method} ${req.path}; see the README's API section`,
    });
  });
  app.use(errorMiddleware(deps.logger));
  const fast = (deps.routers ?? []).flatMap((r) => {
    const route = fastRouteOf(r);
    return route ? [fastPath(deps, route)] : [];
  });
  appFastPaths.set(app, fast);
  return app;
}
