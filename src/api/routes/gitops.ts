/** GET /gitops/status: each GitOps file, whether it loaded, and its errors with file:line. */
import { Router } from 'express';
import type { DirectorySync } from '../../gitops/directory-sync.js';
import { requireRole } from '../auth.js';
import { principal } from '../context.js';
import { send } from '../respond.js';

export function gitopsRoutes(sync: DirectorySync | undefined): Router {
  const router = Router();
  router.get('/gitops/status', (req, res) => {
    requireRole(principal(req), 'viewer', 'reading GitOps status');
    send(
      req,
      res,
      200,
      sync
        ? { enabled: true, ...sync.status() }
        : { enabled: false, dirs: [], files: [], pruned: 0 },
    );
  });
  return router;
}
