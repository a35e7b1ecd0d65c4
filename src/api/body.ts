/** Request bodies: JSON or YAML by Content-Type, size-limited, turned into admitted manifests. */
import express, { type Request } from 'express';
import { BadRequestError, InvalidError } from '../errors.js';
import { manifestsFromJson, manifestsFromYaml, type ManifestSet } from '../resources/manifests.js';

/** Largest body accepted on any route (413 beyond). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Reads any body as raw bytes, up to the limit; parsing is ours, so errors carry lines. */
export const rawBody = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });

export function isYaml(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  return type.includes('yaml');
}

export function bodyText(req: Request): string {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new BadRequestError(
      'the request has no body; send JSON, or YAML with Content-Type: application/yaml',
    );
  }
  return body.toString('utf8');
}

/** Parses the body into manifests; throws 400 for syntax, 422 (with every cause) for invalid objects. */
export function manifestsFromBody(req: Request): ManifestSet {
  const text = bodyText(req);
  const set = isYaml(req) ? manifestsFromYaml(text) : manifestsFromJson(text);
  if (set.errors.length > 0) {
    const first = set.errors[0];
    throw new InvalidError(
      set.errors.length === 1 && first
        ? `${first.line ? `line ${first.line}: ` : ''}${first.field ? `${first.field}: ` : ''}${first.message}`
        : `${set.errors.length} problems in the request; nothing was written (see details.causes)`,
      set.errors,
    );
  }
  return set;
}

/** Parses a body that must be a JSON (or YAML) value, for non-manifest routes. */
export function jsonBody(req: Request): unknown {
  const text = bodyText(req);
  if (isYaml(req)) {
    const set = manifestsFromYaml(text);
    return set.manifests[0]?.object;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadRequestError(
      `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
