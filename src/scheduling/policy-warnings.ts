/**
 * Semantic problems in a schema-valid SchedulePolicy: things that load fine but probably
 * do not do what the author meant. Warnings, not errors — the policy still schedules.
 */
import { parseFieldPath } from '../resources/field-path.js';
import type { SchedulePolicy } from '../resources/schedule-policy.js';
import { orderingExpression } from './cluster-select.js';
import { protectedPathProblem } from './overrides.js';
import { topologyKeyOf } from './spread.js';

/** One warning: the field it is about (`spec.…`) and what to do. */
export interface PolicyWarning {
  readonly path: string;
  readonly message: string;
}

/** Warnings for one policy, in field order; empty when nothing looks wrong. */
export function policyWarnings(policy: SchedulePolicy): PolicyWarning[] {
  const spec = policy.spec;
  const out: PolicyWarning[] = [];
  const selectors = spec.resourceSelectors?.labelSelectors;
  if (selectors === undefined || selectors.length === 0) {
    out.push({
      path: 'spec.resourceSelectors.labelSelectors',
      message:
        'no labelSelectors: the policy selects every object in the namespaces it selects; list at least one selector to narrow it',
    });
  }
  const ordered = spec.orderedClusterSelector;
  if (
    ordered !== undefined &&
    orderingExpression(ordered, topologyKeyOf(spec.spreadConstraints)) === undefined
  ) {
    out.push({
      path: 'spec.orderedClusterSelector',
      message:
        'has no matchExpressions entry with operator In, so it gives no priority order: matching clusters are tried in name order',
    });
  }
  const spread = spec.spreadConstraints;
  if (spread?.spreadMode === 'Divide' && ordered !== undefined) {
    out.push({
      path: 'spec.spreadConstraints.spreadMode',
      message:
        'Divide with orderedClusterSelector uses only the first Ready cluster, which gets every replica; use clusterSelector to divide',
    });
  }
  const seen = new Set<string>();
  for (const [i, p] of (spread?.percentageSplit ?? []).entries()) {
    if (seen.has(p.topologyValue)) {
      out.push({
        path: `spec.spreadConstraints.percentageSplit[${i}].topologyValue`,
        message: `"${p.topologyValue}" is listed twice; only its first entry counts`,
      });
    }
    seen.add(p.topologyValue);
  }
  for (const [i, entry] of (spread?.overrides ?? []).entries()) {
    for (const [j, r] of entry.resources.entries()) {
      for (const [k, o] of r.override.entries()) {
        let problem: string | undefined;
        try {
          problem = protectedPathProblem(parseFieldPath(o.fieldPath));
        } catch {
          continue; // the schema reports paths that do not parse
        }
        if (problem !== undefined) {
          out.push({
            path: `spec.spreadConstraints.overrides[${i}].resources[${j}].override[${k}].fieldPath`,
            message: `${problem}; such copies are not placed`,
          });
        }
      }
    }
  }
  return out;
}
