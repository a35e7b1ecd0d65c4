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
import { withFastRoute } from '../fast-path.js';
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
  // The same route on node:http for plain JSON (what Alertmanager sends); see fast-path.ts.
  return withFastRoute(router, {
    method: 'POST',
    path: WEBHOOK_PATH,
    route: '/webhooks/alertmanager',
    async handle(who, body) {
      requireRole(who, 'operator', 'sending alerts');
      return { status: 202, body: await engine.receiveAlerts(body, who.name) };
    },
  });
}
