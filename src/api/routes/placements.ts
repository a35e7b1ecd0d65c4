/**
 * `GET /placements`: where every object goes and how each copy stands — the winning
 * policy, every policy that selected it (precedence order), the reason in words,
 * why it is unschedulable, and per cluster: Applied / Pending / Failed (with the
 * cluster's answer) / Unreachable. Viewer role. `?summary=true` leaves the items out
 * and answers only the per-cluster counts (cheap to poll with many objects).
 */
import { Router } from 'express';
import type { Propagation } from '../../propagation/propagator.js';
import { requireRole } from '../auth.js';
import { principal } from '../context.js';
import { send } from '../respond.js';

export const PLACEMENTS_PATH = '/placements';

export function placementRoutes(propagation: Pick<Propagation, 'placements' | 'stats'>): Router {
  const router = Router();
  router.get(PLACEMENTS_PATH, (req, res) => {
    requireRole(principal(req), 'viewer', 'reading placements');
    const summary = req.query.summary === 'true';
    send(req, res, 200, {
      kind: 'PlacementList',
      apiVersion: 'v1',
      clusters: propagation.stats(),
      ...(summary ? {} : { items: propagation.placements() }),
    });
  });
  return router;
}
