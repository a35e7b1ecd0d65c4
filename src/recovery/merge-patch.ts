/**
 * How a step's `override` (field path + value) becomes a change: applied to an object
 * we hold (the hub's desired state, dry runs) or turned into the patch document a
 * member cluster's API server receives. Merge-style patch types follow RFC 7386 at the
 * field path: maps merge key by key, `null` deletes, lists are replaced.
 */
import {
  FORBIDDEN_KEYS,
  getAtPath,
  mergePatchFor,
  setAtPath,
  type PathSegment,
} from '../resources/field-path.js';
import type { PatchType } from '../resources/recovery-plan.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: the result of merge-patching `target` with `patch`. Inputs are not mutated. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(k)) throw new Error(`the key "${k}" is not allowed in a patch`);
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export function isMergeStyle(patchType: PatchType): boolean {
  return patchType !== 'application/json-patch+json';
}

/**
 * Applies an override to `obj` in place and returns it. Merge-style types merge the
 * value into what is at the path (a `null` value deletes the field); json-patch sets
 * the path to the value. Missing maps and lists on the way are created.
 */
export function applyOverride(
  obj: Record<string, unknown>,
  segments: readonly PathSegment[],
  value: unknown,
  patchType: PatchType,
): Record<string, unknown> {
  if (!isMergeStyle(patchType)) {
    setAtPath(obj, segments, structuredClone(value));
    return obj;
  }
  const doc = mergePatchFor(segments, value);
  if (doc) return applyMergePatch(obj, doc) as Record<string, unknown>;
  // Paths through list indexes cannot be a merge patch document; merge at the path instead.
  const last = segments[segments.length - 1];
  if (value === null && typeof last === 'string') {
    const parent = getAtPath(obj, segments.slice(0, -1));
    if (isRecord(parent)) Reflect.deleteProperty(parent, last);
    return obj;
  }
  setAtPath(obj, segments, applyMergePatch(getAtPath(obj, segments), value));
  return obj;
}

/** RFC 6901 pointer for a field path. */
export function jsonPointer(segments: readonly PathSegment[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Where the first list index is in a path, or -1. */
export function firstIndex(segments: readonly PathSegment[]): number {
  return segments.findIndex((s) => typeof s === 'number');
}

/**
 * The patch document to send a member cluster. `current` (the live object) is needed
 * only when a merge-style path runs through a list: the whole list is sent, changed.
 */
export function memberPatchDocument(
  segments: readonly PathSegment[],
  value: unknown,
  patchType: PatchType,
  current?: Record<string, unknown>,
): unknown {
  if (!isMergeStyle(patchType)) {
    const last = segments[segments.length - 1];
    return [
      { op: typeof last === 'number' ? 'replace' : 'add', path: jsonPointer(segments), value },
    ];
  }
  const doc = mergePatchFor(segments, value);
  if (doc) return doc;
  if (!current) throw new Error('the live object is needed to patch through a list index');
  const listPath = segments.slice(0, firstIndex(segments));
  const changed = applyOverride(structuredClone(current), segments, value, patchType);
  return mergePatchFor(listPath, getAtPath(changed, listPath) ?? null);
}
