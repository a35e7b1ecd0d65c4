/**
 * `POST /webhooks/alertmanager`: Alertmanager's webhook (payload v4) and hand-written
 * curl bodies. Bearer or Basic auth (token as password), as `http_config` sends them;
 * the operator role is needed. 202 once every alert is recorded in Redis; 400 for a
 * body Alertmanager should not retry; 503 when Redis is away, so it does retry.
 */
import { Router } from 'express';
import type { RecoveryEngine } from '../../recovery/engine.js';
import { requireRole } from '../auth.js';
import { jsonBody, rawBody } from '../body.js';
import { principal } from '../context.js';
import { send } from '../respond.js';

export const WEBHOOK_PATH = '/webhooks/alertmanager';

export function webhookRoutes(engine: Pick<RecoveryEngine, 'receiveAlerts'>): Router {
  const router = Router();
  router.post(WEBHOOK_PATH, rawBody, async (req, res) => {
    const who = principal(req);
    requireRole(who, 'operator', 'sending alerts');
    const receipt = await engine.receiveAlerts(jsonBody(req), who.name);
    send(req, res, 202, receipt);
  });
  return router;
}
