/** Liveness, readiness (Redis answers) and Prometheus metrics. Open to everyone: they hold no secrets. */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Metrics } from '../../observability/metrics.js';

export function healthRoutes(deps: { redis: Redis; metrics: Metrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([
        deps.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000)),
      ]);
      res.type('text/plain').send('ok');
    } catch (err) {
      res
        .status(503)
        .type('text/plain')
        .send(`redis unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
