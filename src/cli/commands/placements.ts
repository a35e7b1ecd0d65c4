/** `lifeboat get placements [-o table|json|yaml]`: each object → clusters, policy, state or reason. */
import type { PlacementRecord } from '../../propagation/propagator.js';
import type { ApiClient } from '../client.js';
import { render, table, type OutputFormat } from '../output.js';

export function isPlacements(kind: string): boolean {
  return ['placements', 'placement', 'pl'].includes(kind.toLowerCase());
}

function objectName(p: PlacementRecord): string {
  const o = p.object;
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** STATE/REASON: the copies' states, or why nothing is placed, and any error. */
function stateOrReason(p: PlacementRecord): string {
  if (p.unschedulable !== undefined) return `Unschedulable: ${p.unschedulable}`;
  const states = p.clusters.map(
    (c) => `${c.cluster}=${c.state}${c.error ? ` (${c.error.message})` : ''}`,
  );
  const losers =
    p.matchedPolicies.length > 1
      ? `; also selected by ${p.matchedPolicies.slice(1).join(', ')}`
      : '';
  return `${states.join(', ')}${losers}`;
}

export async function getPlacements(api: ApiClient, format: OutputFormat): Promise<void> {
  const list = await api.request<{ items: PlacementRecord[] }>('GET', '/placements');
  if (format !== 'table') {
    process.stdout.write(`${render(list, format)}\n`);
    return;
  }
  if (list.items.length === 0) {
    process.stderr.write(
      'no placements (no objects on the control plane, or propagation is not running)\n',
    );
    return;
  }
  const rows = list.items.map((p) => [
    objectName(p),
    p.clusters
      .map((c) => (c.replicas === undefined ? c.cluster : `${c.cluster}(${String(c.replicas)})`))
      .join(',') || '-',
    p.policy ?? '-',
    stateOrReason(p),
  ]);
  process.stdout.write(`${table(['OBJECT', 'CLUSTERS', 'POLICY', 'STATE/REASON'], rows)}\n`);
}
