/**
 * The one place errors become HTTP: a Kubernetes-style `Status` body with code,
 * reason, a message that says what to fix, and the causes (field, file:line:column).
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { BadRequestError, LifeboatError, PayloadTooLargeError, type Cause } from '../errors.js';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  code: number;
  reason: string;
  message: string;
  details?: { causes: Cause[] };
}

export function statusBody(err: LifeboatError): StatusBody {
  const causes = 'causes' in err && Array.isArray(err.causes) ? (err.causes as Cause[]) : [];
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code: err.code,
    reason: err.reason,
    message: err.message,
    ...(causes.length > 0 ? { details: { causes } } : {}),
  };
}

/** The answer to an error we did not expect; the details go to the log, never to the caller. */
export const INTERNAL_ERROR: StatusBody = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 500,
  reason: 'InternalError',
  message: 'internal error; the server log has the details',
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Errors thrown by express' body parser, turned into ours. */
function fromBodyParser(err: BodyParserError): LifeboatError | undefined {
  if (err.type === 'entity.too.large') {
    return new PayloadTooLargeError(
      `the body is larger than the ${Math.round((err.limit ?? 0) / 1024)} KiB limit; split it into several requests`,
    );
  }
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new BadRequestError('the body must be UTF-8');
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.type) {
    return new BadRequestError(`the body could not be read (${err.type})`);
  }
  return undefined;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof LifeboatError ? err : fromBodyParser(err as BodyParserError);
    if (known) {
      if (known.code >= 500) logger.warn({ err, path: req.path }, known.message);
      res.status(known.code).json(statusBody(known));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json(INTERNAL_ERROR);
  };
}
