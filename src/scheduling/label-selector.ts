/**
 * Kubernetes label selectors, compiled once and matched many times.
 *
 * Semantics are Kubernetes' own: `matchLabels` AND every `matchExpressions` requirement;
 * `In` needs the key present with one of the values, `NotIn` holds when the key is absent
 * or its value is not listed, `Exists` / `DoesNotExist` look at the key only. An empty
 * selector `{}` matches everything.
 *
 * One deliberate difference: Kubernetes treats a *null* selector as "nothing", but every
 * selector in a SchedulePolicy is optional and Nova reads an absent one as "no
 * restriction" ("If clusterSelector is not specified, Nova will consider all workload
 * clusters"). So here an absent selector (`undefined`) matches everything too.
 */
import type { LabelSelector, LabelSelectorRequirement } from '../resources/common-schemas.js';

/** Labels as found on objects, namespaces and clusters; absent means none. */
export type Labels = Readonly<Record<string, string>> | undefined;

type Operator = LabelSelectorRequirement['operator'];

interface Requirement {
  readonly key: string;
  readonly op: Operator;
  readonly values: ReadonlySet<string>;
}

/** A selector ready to match: the predicate plus what indexes and explanations need. */
export interface CompiledSelector {
  /** True when `labels` satisfy every requirement. */
  readonly matches: (labels: Labels) => boolean;
  /** Number of requirements (each matchLabels pair and each expression counts one). */
  readonly requirementCount: number;
  /** True when the selector has no requirement at all, so it matches everything. */
  readonly matchesEverything: boolean;
  /**
   * A key and the only values it may have for the selector to match (from a matchLabels
   * pair or an `In` expression), so callers can index selectors by label. Absent when
   * every requirement can hold without a specific value (NotIn, Exists, DoesNotExist).
   */
  readonly anchor?: { readonly key: string; readonly values: readonly string[] };
  /** The selector in `kubectl -l` syntax, for explanations: `app=ferretdb,tier in (a,b)`. */
  readonly text: string;
}

// A JSON-parsed label map is a plain object: inherited keys like "constructor" must not count.
function labelOf(labels: Labels, key: string): string | undefined {
  if (labels === undefined || !Object.hasOwn(labels, key)) return undefined;
  return labels[key];
}

function requirementsOf(selector: LabelSelector): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key, op: 'In', values: new Set([value]) });
  }
  for (const e of selector.matchExpressions ?? []) {
    reqs.push({ key: e.key, op: e.operator, values: new Set(e.values ?? []) });
  }
  return reqs;
}

function holds(req: Requirement, labels: Labels): boolean {
  const value = labelOf(labels, req.key);
  switch (req.op) {
    case 'In':
      return value !== undefined && req.values.has(value);
    case 'NotIn':
      return value === undefined || !req.values.has(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

function formatRequirement(req: Requirement): string {
  const values = [...req.values].join(',');
  switch (req.op) {
    case 'In':
      return req.values.size === 1 ? `${req.key}=${values}` : `${req.key} in (${values})`;
    case 'NotIn':
      return `${req.key} notin (${values})`;
    case 'Exists':
      return req.key;
    case 'DoesNotExist':
      return `!${req.key}`;
  }
}

const matchAll = (): boolean => true;

const EVERYTHING: CompiledSelector = {
  matches: matchAll,
  requirementCount: 0,
  matchesEverything: true,
  text: '(everything)',
};

/** Compiles a selector; `undefined` and `{}` both compile to "matches everything". */
export function compileSelector(selector: LabelSelector | undefined): CompiledSelector {
  if (selector === undefined) return EVERYTHING;
  const reqs = requirementsOf(selector);
  if (reqs.length === 0) return EVERYTHING;
  // The narrowest In requirement makes the best index key: fewest buckets to file under.
  let anchorReq: Requirement | undefined;
  for (const r of reqs) {
    if (r.op === 'In' && (anchorReq === undefined || r.values.size < anchorReq.values.size)) {
      anchorReq = r;
    }
  }
  const first = reqs[0];
  const matches =
    reqs.length === 1 && first !== undefined
      ? (labels: Labels) => holds(first, labels)
      : (labels: Labels) => {
          for (const r of reqs) if (!holds(r, labels)) return false;
          return true;
        };
  return {
    matches,
    requirementCount: reqs.length,
    matchesEverything: false,
    ...(anchorReq && { anchor: { key: anchorReq.key, values: [...anchorReq.values] } }),
    text: reqs.map(formatRequirement).join(','),
  };
}

const cache = new WeakMap<LabelSelector, CompiledSelector>();

/**
 * True when `labels` satisfy `selector` (Kubernetes semantics; an absent selector matches
 * everything, see the module note). Compiles on first use and caches per selector object.
 */
export function matchesSelector(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return true;
  let compiled = cache.get(selector);
  if (compiled === undefined) {
    compiled = compileSelector(selector);
    cache.set(selector, compiled);
  }
  return compiled.matches(labels);
}

/** The selector in `kubectl -l` syntax; `(everything)` for an absent or empty one. */
export function formatSelector(selector: LabelSelector | undefined): string {
  return compileSelector(selector).text;
}
