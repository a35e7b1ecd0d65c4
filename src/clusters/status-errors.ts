/**
 * The one place where a member cluster's failure becomes a typed error: a Kubernetes
 * `Status` body (or an `ApiException` carrying one), or a request that got no answer at
 * all (refused, reset, timed out, TLS). Everything above this file sees only
 * {@link MemberClusterError} `{ cluster, code, reason, message }`.
 */
import { MemberClusterError } from './member-clusters.js';

/** `code` of a request that got no HTTP answer. */
export const NO_ANSWER = 0;

/** The parts of a Kubernetes `Status` lifeboat reads. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: { kind?: string; name?: string; causes?: { field?: string; message?: string }[] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a response body as a Status; undefined when it is not one. */
export function parseStatus(body: unknown): KubeStatus | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || value.kind !== 'Status') return undefined;
  return value;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The error for an HTTP answer outside 2xx. Uses the Status body when there is one (its
 * reason, message and field causes), otherwise the code and a short excerpt of the body.
 */
export function errorFromResponse(
  cluster: string,
  code: number,
  body: unknown,
  what: string,
): MemberClusterError {
  const status = parseStatus(body);
  const reason = status?.reason ?? REASON_BY_CODE[code] ?? 'Unknown';
  let message = status?.message;
  if (message === undefined) {
    const text = typeof body === 'string' ? body : '';
    message = text.trim() ? text.trim().slice(0, 200) : `HTTP ${code}`;
  }
  const causes = (status?.details?.causes ?? [])
    .filter((c) => c.field !== undefined && c.message !== undefined && !message.includes(c.message))
    .map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);
  const full = `${what}: ${code} ${reason}: ${message}${causes.length ? ` (${causes.join('; ')})` : ''}`;
  return new MemberClusterError(cluster, code, reason, full);
}

/** Node's network error codes, read without trusting the error's shape. */
function errnoOf(err: unknown): string | undefined {
  if (!isRecord(err) && !(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errnoOf(cause);
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL|ERR_OSSL)/;

/**
 * The error for a request that got no HTTP answer: `code` 0 and reason `Unreachable`
 * (refused, reset, timed out, DNS) or `TLSError` (the server's certificate was not
 * trusted: fix the kubeconfig's certificate-authority data).
 */
export function errorFromFailure(cluster: string, err: unknown, what: string): MemberClusterError {
  if (err instanceof MemberClusterError) return err;
  const errno = errnoOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (errno !== undefined && TLS_CODES.test(errno)) {
    return new MemberClusterError(
      cluster,
      NO_ANSWER,
      'TLSError',
      `${what}: the API server's certificate is not trusted (${errno}); check certificate-authority-data in the cluster's kubeconfig`,
    );
  }
  return new MemberClusterError(
    cluster,
    NO_ANSWER,
    'Unreachable',
    `${what}: no answer (${detail})`,
  );
}

/**
 * True for failures that say nothing about the object: no answer, 429, 5xx. They are
 * retried with the cluster's backoff; 4xx answers are the object's own problem.
 */
export function isTransient(err: MemberClusterError): boolean {
  return err.code === NO_ANSWER || err.code === 429 || err.code >= 500;
}

/** True when the cluster could not be reached at all (as opposed to answering badly). */
export function isUnreachable(err: MemberClusterError): boolean {
  return err.code === NO_ANSWER;
}
