/** POST /apply: many objects of any kinds in one request, all or nothing. */
import { Router } from 'express';
import type { Metrics } from '../../observability/metrics.js';
import type { ResourceService } from '../../store/resource-service.js';
import { requireRole } from '../auth.js';
import { manifestsFromBody, rawBody } from '../body.js';
import { principal } from '../context.js';
import { send } from '../respond.js';

export function applyRoutes(deps: { resources: ResourceService; metrics: Metrics }): Router {
  const router = Router();
  router.post('/apply', rawBody, async (req, res) => {
    requireRole(principal(req), 'admin', 'applying objects');
    const set = manifestsFromBody(req);
    const dryRun = req.query.dryRun === 'true';
    const results = await deps.resources.apply(set.manifests, { dryRun });
    if (!dryRun) for (const r of results) deps.metrics.objectsApplied.inc({ action: r.action });
    send(req, res, 200, { kind: 'ApplyResult', dryRun, results, warnings: set.warnings });
  });
  return router;
}
