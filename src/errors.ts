/**
 * The closed set of errors lifeboat raises on purpose. Each carries the HTTP code and
 * Kubernetes `Status.reason` it maps to, so the API's one error middleware (and the
 * CLI) can render them without guessing. Messages say what to fix.
 */

/** Where in the input a problem is: a field path and, for YAML, file:line:column. */
export interface Cause {
  /** Dotted field path, e.g. `spec.steps[2].patch.override.fieldPath`. */
  field: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export abstract class LifeboatError extends Error {
  abstract readonly code: number;
  abstract readonly reason: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

export class BadRequestError extends LifeboatError {
  readonly code = 400;
  readonly reason = 'BadRequest';
  constructor(
    message: string,
    readonly causes: Cause[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends LifeboatError {
  readonly code = 401;
  readonly reason = 'Unauthorized';
}

export class ForbiddenError extends LifeboatError {
  readonly code = 403;
  readonly reason = 'Forbidden';
}

export class NotFoundError extends LifeboatError {
  readonly code = 404;
  readonly reason = 'NotFound';
}

export class ConflictError extends LifeboatError {
  readonly code = 409;
  readonly reason = 'Conflict';
}

export class AlreadyExistsError extends LifeboatError {
  readonly code = 409;
  readonly reason = 'AlreadyExists';
}

export class PayloadTooLargeError extends LifeboatError {
  readonly code = 413;
  readonly reason = 'RequestEntityTooLarge';
}

export class InvalidError extends LifeboatError {
  readonly code = 422;
  readonly reason = 'Invalid';
  constructor(
    message: string,
    readonly causes: Cause[] = [],
  ) {
    super(message);
  }
}

export class UnavailableError extends LifeboatError {
  readonly code = 503;
  readonly reason = 'ServiceUnavailable';
}

/** Renders causes as `file:line:col: field: message` lines, for terminals and logs. */
export function formatCauses(causes: readonly Cause[]): string {
  return causes
    .map((c) => {
      const where = c.file
        ? `${c.file}:${c.line ?? '?'}:${c.column ?? '?'}: `
        : c.line
          ? `line ${c.line}:${c.column ?? '?'}: `
          : '';
      return `${where}${c.field ? `${c.field}: ` : ''}${c.message}`;
    })
    .join('\n');
}
