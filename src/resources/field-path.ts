/**
 * Field paths as Nova writes them: `spec.template.spec.containers[0].env[0].value`,
 * `metadata.labels['topology.istio.io/network']`, `status.loadBalancer.ingress[0].hostname`.
 * Pure parsing plus get/set on plain JSON values; no prototype keys are ever reachable.
 */

export type PathSegment = string | number;

/** Keys that would reach Object.prototype; refused anywhere in a path or document. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export class FieldPathError extends Error {
  constructor(
    readonly path: string,
    readonly position: number,
    detail: string,
  ) {
    super(`field path "${path}" does not parse at character ${position + 1}: ${detail}`);
    this.name = 'FieldPathError';
  }
}

const IDENT = /[A-Za-z0-9_\-$/]/;

/** Parses a field path into segments (strings for keys, numbers for array indexes). */
export function parseFieldPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const fail = (detail: string): never => {
    throw new FieldPathError(path, i, detail);
  };
  if (path.trim() === '') fail('it is empty; write e.g. spec.standby.enabled');
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      i++;
      const quote = path[i];
      if (quote === "'" || quote === '"') {
        const end = path.indexOf(quote, i + 1);
        if (end < 0) fail(`missing closing ${quote} in a bracketed key`);
        const key = path.slice(i + 1, end);
        if (key === '') fail('a bracketed key is empty');
        i = end + 1;
        if (path[i] !== ']') fail(`expected ] after the bracketed key '${key}'`);
        i++;
        segments.push(key);
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) fail('missing ]');
        const digits = path.slice(i, close);
        if (!/^\d+$/.test(digits))
          fail(`an index must be a whole number, like [0]; got [${digits}]`);
        const index = Number(digits);
        if (!Number.isSafeInteger(index) || index > 100_000) fail(`index [${digits}] is too large`);
        segments.push(index);
        i = close + 1;
      }
    } else if (ch === '.') {
      if (i === 0 || i === path.length - 1) fail('a path cannot start or end with "."');
      i++;
      if (path[i] === '.' || path[i] === '[') fail('expected a field name after "."');
    } else {
      const start = i;
      while (i < path.length && IDENT.test(path[i] ?? '')) i++;
      if (i === start) fail(`unexpected character "${ch ?? ''}"`);
      segments.push(path.slice(start, i));
      if (i < path.length && path[i] !== '.' && path[i] !== '[')
        fail(`unexpected character "${path[i] ?? ''}"`);
    }
  }
  for (const s of segments) {
    if (typeof s === 'string' && FORBIDDEN_KEYS.has(s)) {
      throw new FieldPathError(path, path.indexOf(s), `"${s}" is not allowed in a field path`);
    }
  }
  return segments;
}

/** Renders segments back to the canonical textual form. */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_\-$/]+$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `['${s}']`;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the value at `segments`, or `undefined` when any step is missing. */
export function getAtPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s];
    } else {
      if (!isRecord(cur) || !Object.hasOwn(cur, s)) return undefined;
      cur = cur[s];
    }
  }
  return cur;
}

/**
 * Sets `value` at `segments`, creating missing maps and arrays on the way (a number
 * segment creates an array, a string one a map). Throws when the path runs through a
 * scalar, since overwriting it silently would hide a wrong path.
 */
export function setAtPath(
  root: Record<string, unknown>,
  segments: readonly PathSegment[],
  value: unknown,
): void {
  if (segments.length === 0) throw new Error('cannot set an empty field path');
  let cur: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as PathSegment;
    const last = i === segments.length - 1;
    const nextIsIndex = typeof segments[i + 1] === 'number';
    if (typeof seg === 'number') {
      if (!Array.isArray(cur))
        throw new Error(`${formatFieldPath(segments.slice(0, i))} is not a list`);
      while (cur.length < seg) cur.push(null);
      if (last) cur[seg] = value;
      else {
        if (cur[seg] === undefined || cur[seg] === null) cur[seg] = nextIsIndex ? [] : {};
        cur = cur[seg];
      }
    } else {
      if (!isRecord(cur))
        throw new Error(`${formatFieldPath(segments.slice(0, i)) || 'the object'} is not a map`);
      if (last) cur[seg] = value;
      else {
        if (cur[seg] === undefined || cur[seg] === null) cur[seg] = nextIsIndex ? [] : {};
        cur = cur[seg];
      }
    }
  }
}

/**
 * Builds the JSON merge patch (RFC 7386) that sets one field. Array indexes cannot be
 * expressed in a merge patch (it replaces whole lists), so a path with an index
 * yields `undefined` and callers patch the whole object instead.
 */
export function mergePatchFor(
  segments: readonly PathSegment[],
  value: unknown,
): Record<string, unknown> | undefined {
  if (segments.some((s) => typeof s === 'number')) return undefined;
  const patch: Record<string, unknown> = {};
  setAtPath(patch, segments, value);
  return patch;
}
