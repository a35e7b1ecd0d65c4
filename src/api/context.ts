/** Per-request facts set by middleware: who is calling. */
import type { Request } from 'express';
import type { Principal } from './auth.js';

const key = Symbol('lifeboat.principal');

export function setPrincipal(req: Request, who: Principal): void {
  (req as unknown as Record<symbol, Principal>)[key] = who;
}

export function principal(req: Request): Principal {
  const who = (req as unknown as Record<symbol, Principal | undefined>)[key];
  if (!who) throw new Error('no principal on request: auth middleware did not run');
  return who;
}
