/**
 * Per-cluster overrides (`spreadConstraints.overrides`) and rendering of per-cluster copies.
 *
 * An override entry applies to the copy for a cluster when its `topologyValue` equals the
 * cluster's value for the spread topology key, and to an object when `kind`, `apiVersion`
 * and `name` are equal to the object's and `namespace`, if given, is the object's
 * namespace. An entry without `namespace` applies in every namespace (and to
 * cluster-scoped objects, like Nova's Namespace example). All matching `override` items
 * apply in the order written, so a later one wins on the same field.
 *
 * `fieldPath` follows Nova: dots, `[index]` and bracketed keys
 * (`metadata.labels['topology.istio.io/network']`). `staticValue` is any JSON value; it is
 * copied, never shared between copies. Missing maps and lists on the way are created (a
 * `[n]` past the end of a list pads it with nulls), but a path running through a scalar is
 * an error rather than a silent overwrite. Overriding `apiVersion`, `kind`,
 * `metadata.name`, `metadata.namespace` or their parent `metadata` is refused: it would
 * make the copy a different object than the one lifeboat tracks.
 *
 * Rendering never changes its input: every copy is a deep clone.
 */
import { formatFieldPath, parseFieldPath, setAtPath } from '../resources/field-path.js';
import type { PathSegment } from '../resources/field-path.js';
import type { KubeObject } from '../resources/meta.js';
import type { SpreadConstraints } from '../resources/schedule-policy.js';

/** One `override` item, with its path parsed. */
export interface CompiledOverride {
  readonly fieldPath: string;
  readonly segments: readonly PathSegment[];
  readonly value: unknown;
  /** The override's topologyValue, for messages. */
  readonly topologyValue: string;
}

interface ResourceRule {
  readonly namespace: string | undefined;
  readonly overrides: readonly CompiledOverride[];
}

/** A policy's overrides indexed by topology value and object identity. */
export interface OverrideIndex {
  readonly empty: boolean;
  /** topologyValue → `kind apiVersion name` → rules in the order written. */
  readonly rules: ReadonlyMap<string, ReadonlyMap<string, readonly ResourceRule[]>>;
}

/** Raised when an override cannot be applied to a copy. */
export class OverrideError extends Error {
  constructor(
    readonly override: Pick<CompiledOverride, 'fieldPath' | 'topologyValue'>,
    detail: string,
  ) {
    super(
      `override of ${override.fieldPath} for topologyValue "${override.topologyValue}": ${detail}`,
    );
    this.name = this.constructor.name;
  }
}

const PROTECTED: readonly (readonly string[])[] = [
  ['apiVersion'],
  ['kind'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
];

/**
 * Why overriding `segments` is refused, or `undefined` when it is allowed: the path is
 * `apiVersion`, `kind`, `metadata.name`, `metadata.namespace`, or `metadata` itself.
 */
export function protectedPathProblem(segments: readonly PathSegment[]): string | undefined {
  for (const p of PROTECTED) {
    const n = Math.min(p.length, segments.length);
    if (n > 0 && p.slice(0, n).every((s, i) => s === segments[i]) && segments.length <= p.length) {
      return `${formatFieldPath(segments)} would change the object's identity (${p.join('.')}); lifeboat would lose track of the copy`;
    }
  }
  return undefined;
}

const NONE: readonly CompiledOverride[] = Object.freeze([]);

const identityKey = (kind: string, apiVersion: string, name: string): string =>
  `${kind} ${apiVersion} ${name}`;

/** Parses and indexes a policy's overrides. Throws FieldPathError on a path that does not parse. */
export function compileOverrides(spread: SpreadConstraints | undefined): OverrideIndex {
  const rules = new Map<string, Map<string, ResourceRule[]>>();
  for (const entry of spread?.overrides ?? []) {
    let byIdentity = rules.get(entry.topologyValue);
    if (byIdentity === undefined)
      rules.set(entry.topologyValue, (byIdentity = new Map<string, ResourceRule[]>()));
    for (const r of entry.resources) {
      const rule: ResourceRule = {
        namespace: r.namespace,
        overrides: r.override.map((o) => ({
          fieldPath: o.fieldPath,
          segments: parseFieldPath(o.fieldPath),
          value: o.value.staticValue,
          topologyValue: entry.topologyValue,
        })),
      };
      const key = identityKey(r.kind, r.apiVersion, r.name);
      const list = byIdentity.get(key);
      if (list === undefined) byIdentity.set(key, [rule]);
      else list.push(rule);
    }
  }
  return { empty: rules.size === 0, rules };
}

/**
 * The overrides for `obj`'s copy in a cluster with `topologyValue`, in application order.
 * `namespace` is the object's namespace (`undefined` when cluster-scoped).
 */
export function overridesFor(
  index: OverrideIndex,
  topologyValue: string | undefined,
  obj: KubeObject,
  namespace: string | undefined,
): readonly CompiledOverride[] {
  if (index.empty || topologyValue === undefined) return NONE;
  const rules = index.rules
    .get(topologyValue)
    ?.get(identityKey(obj.kind, obj.apiVersion, obj.metadata.name));
  if (rules === undefined) return NONE;
  const out: CompiledOverride[] = [];
  for (const r of rules)
    if (r.namespace === undefined || r.namespace === namespace) out.push(...r.overrides);
  return out;
}

/** What makes one cluster's copy differ from the original. */
export interface CopyChanges {
  /** Divide: the copy's `spec.replicas`. */
  readonly replicas?: number;
  readonly overrides: readonly CompiledOverride[];
}

function copyOf<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/**
 * A deep copy of `obj` with `replicas` set and `overrides` applied in order. Throws
 * {@link OverrideError} when an override cannot be applied; `obj` is never changed.
 */
export function renderCopy(obj: KubeObject, changes: CopyChanges): KubeObject {
  const copy = structuredClone(obj);
  if (changes.replicas !== undefined) setAtPath(copy, ['spec', 'replicas'], changes.replicas);
  for (const o of changes.overrides) {
    const problem = protectedPathProblem(o.segments);
    if (problem !== undefined) throw new OverrideError(o, problem);
    try {
      setAtPath(copy, o.segments, copyOf(o.value));
    } catch (err) {
      throw new OverrideError(o, err instanceof Error ? err.message : String(err));
    }
  }
  return copy;
}
