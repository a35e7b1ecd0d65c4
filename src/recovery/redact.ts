/**
 * Secrets never reach a run record. Values are blanked when they sit under a key that
 * names a secret (password, token, secret, credential, api key, private key), when the
 * step acts on a Secret's data, and wherever a value read from a secret shows up again
 * (e.g. rendered into a connection string). The worker keeps the real values privately.
 */
import { parseFieldPath, type PathSegment } from '../resources/field-path.js';
import { splitApiVersion } from '../resources/kinds.js';

export const REDACTED = '[redacted]';

const SECRET_KEY =
  /password|passwd|passphrase|token|secret|credential|api[-_]?key|private[-_]?key/i;

/** Shorter values are too likely to occur by chance to be blanked wherever they appear. */
const MIN_SECRET_LENGTH = 4;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A step on a core/v1 Secret (any field below data/stringData, or the whole object). */
export function isSecretObject(apiVersion: string, resource: string): boolean {
  return splitApiVersion(apiVersion).group === '' && resource === 'secrets';
}

/** True when a value at this field path of this object must not be shown. */
export function isSecretField(
  apiVersion: string,
  resource: string,
  fieldPath: string,
  outputKey?: string,
): boolean {
  if (outputKey !== undefined && isSecretKey(outputKey)) return true;
  let segments: PathSegment[];
  try {
    segments = parseFieldPath(fieldPath);
  } catch {
    return true;
  }
  if (segments.some((s) => typeof s === 'string' && isSecretKey(s))) return true;
  if (!isSecretObject(apiVersion, resource)) return false;
  const [first] = segments;
  return first !== 'metadata' && first !== 'type';
}

/** Strings inside a secret value, worth blanking if they appear elsewhere. */
export function secretStrings(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= MIN_SECRET_LENGTH) out.push(v);
    } else if (typeof v === 'number' && String(v).length >= MIN_SECRET_LENGTH) out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

function blankKnown(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * A copy of `value` fit for a record: secret-named keys blanked, known secret values
 * blanked inside any string. Never mutates its input.
 */
export function redact(value: unknown, secrets: readonly string[] = []): unknown {
  if (typeof value === 'string') return blankKnown(value, secrets);
  if (typeof value === 'number' && secrets.includes(String(value))) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redact(v, secrets);
    }
    return out;
  }
  return value;
}

/** Redacts an error message the same way. */
export function redactMessage(message: string, secrets: readonly string[]): string {
  return blankKnown(message, secrets);
}
