/**
 * Routes served on node:http directly, ahead of express. During an alert storm the
 * Alertmanager webhook is the hot path, and express' routing and response layers cost
 * more than recording the alerts: an empty JSON handler answers about 3,000 requests/s
 * under express on this project's 2-core machines and 6,000–7,000/s on node:http
 * (`npx tsx bench/http-floor.ts`).
 *
 * A fast path keeps the route's contract (same auth, same 1 MiB limit, same Status
 * error bodies, same metrics) and hands anything it does not handle plainly — YAML in
 * or out, compressed bodies — back to express, which serves the same route in full.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BadRequestError, LifeboatError, PayloadTooLargeError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Principal, TokenBook } from './auth.js';
import { BODY_LIMIT_BYTES } from './body.js';
import { INTERNAL_ERROR, statusBody, type StatusBody } from './errors-middleware.js';

/** What a fast path gets from the app: the same auth, metrics and logger as express. */
export interface FastPathContext {
  tokens: TokenBook;
  metrics: Metrics;
  logger: Logger;
}

/** A JSON POST handler: the caller (already authenticated) and the parsed body. */
export interface FastRoute {
  method: 'POST';
  path: string;
  /** The metrics' route label, as express' middleware would give it. */
  route: string;
  handle(who: Principal, body: unknown): Promise<{ status: number; body: unknown }>;
}

/** Serves the request and answers true, or answers false and leaves it untouched. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Routers that also have a fast path carry it here (see `withFastRoute`). */
const fastRoutes = new WeakMap<object, FastRoute>();

export function withFastRoute<T extends object>(router: T, route: FastRoute): T {
  fastRoutes.set(router, route);
  return router;
}

export function fastRouteOf(router: object): FastRoute | undefined {
  return fastRoutes.get(router);
}

function plainJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const accept = (req.headers.accept ?? '').toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  return !type.includes('yaml') && !accept.includes('yaml') && encoding === 'identity';
}

/** The body, up to the limit (413 beyond, as express' body parser answers). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () =>
    new PayloadTooLargeError(
      `the body is larger than the ${BODY_LIMIT_BYTES / 1024} KiB limit; split it into several requests`,
    );
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      const [only, ...more] = chunks;
      resolve(only && more.length === 0 ? only : Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw new BadRequestError(
      'the request has no body; send JSON, or YAML with Content-Type: application/yaml',
    );
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new BadRequestError(
      `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function write(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function failure(ctx: FastPathContext, req: IncomingMessage, err: unknown): StatusBody {
  if (err instanceof LifeboatError) {
    if (err.code >= 500) ctx.logger.warn({ err, path: req.url }, err.message);
    return statusBody(err);
  }
  ctx.logger.error({ err, method: req.method, path: req.url }, 'request failed');
  return INTERNAL_ERROR;
}

export function fastPath(ctx: FastPathContext, route: FastRoute): FastPath {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const end = ctx.metrics.httpDuration.startTimer({ route: route.route });
    let status = 500;
    try {
      // Before the body: a caller without a valid token is answered at once (node
      // discards the unread body after the answer).
      const who = ctx.tokens.authenticate(req.headers.authorization);
      const answer = await route.handle(who, parseJson(await readBody(req)));
      status = answer.status;
      write(res, status, answer.body);
    } catch (err) {
      const body = failure(ctx, req, err);
      status = body.code;
      if (!res.headersSent) write(res, status, body);
    } finally {
      end();
      ctx.metrics.httpRequests.inc({
        method: route.method,
        route: route.route,
        code: String(status),
      });
    }
  };
  return (req, res) => {
    if (req.method !== route.method || req.url !== route.path || !plainJson(req)) return false;
    void serve(req, res);
    return true;
  };
}
