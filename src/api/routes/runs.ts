/**
 * `POST /apis/recovery.elotl.co/v1alpha1/recoveryplans/{name}/run`: start a plan by hand
 * (201 with the Pending RecoveryRun; follow it at .../recoveryruns/{run}), or with
 * `?dryRun=true` render every step, perform the reads and answer 200 with the run as it
 * would be recorded, patches shown as before/after, nothing changed. Operator role.
 * Run history itself is served by the generic resource routes (recoveryruns, receivedalerts).
 */
import { Router, type Request } from 'express';
import type { RecoveryEngine } from '../../recovery/engine.js';
import { requireRole } from '../auth.js';
import { principal } from '../context.js';
import { send } from '../respond.js';
import { webhookRoutes } from './webhooks.js';

export const RUN_PATH = '/apis/recovery.elotl.co/v1alpha1/recoveryplans/:name/run';

function dryRun(req: Request): boolean {
  const v = req.query.dryRun;
  return v === 'true' || v === 'All' || v === '1';
}

export function runRoutes(engine: Pick<RecoveryEngine, 'startRun' | 'dryRun'>): Router {
  const router = Router();
  router.post(RUN_PATH, async (req, res) => {
    const who = principal(req);
    const name = req.params.name;
    if (dryRun(req)) {
      requireRole(who, 'operator', 'dry-running recovery plans');
      send(req, res, 200, await engine.dryRun(name, who.name));
      return;
    }
    requireRole(who, 'operator', 'running recovery plans');
    send(req, res, 201, await engine.startRun(name, who.name));
  });
  return router;
}

/** Both recovery routers, for `createApp({ routers })`. */
export function recoveryRoutes(engine: RecoveryEngine): Router[] {
  return [webhookRoutes(engine), runRoutes(engine)];
}
