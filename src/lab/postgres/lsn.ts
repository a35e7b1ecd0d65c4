/**
 * PostgreSQL WAL positions (`16/B374D848`) as numbers, and the rule every failover
 * manager (KubeDB, Patroni) follows: promote the replica that has the most data.
 */

/** Parses an LSN `X/Y` (two hex halves) into a bigint byte position. */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!match?.[1] || !match[2])
    throw new Error(`not a PostgreSQL LSN: '${lsn}' (expected X/Y in hex)`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Formats a byte position as PostgreSQL prints LSNs. */
export function formatLsn(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Negative when `a` is behind `b`, 0 when equal, positive when ahead. */
export function compareLsn(a: string, b: string): number {
  const d = parseLsn(a) - parseLsn(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** A candidate for promotion: a cluster and the last WAL position it has (received or replayed). */
export interface PromotionCandidate {
  name: string;
  /** null when the instance could not be asked (down): never chosen. */
  lsn: string | null;
}

/**
 * The candidate with the highest LSN (ties: the first listed), or undefined when none
 * answered. Promoting any other would throw away acknowledged writes the best one has.
 */
export function pickPromotionCandidate(
  candidates: readonly PromotionCandidate[],
): PromotionCandidate | undefined {
  let best: PromotionCandidate | undefined;
  for (const c of candidates) {
    if (c.lsn === null) continue;
    if (!best?.lsn || compareLsn(c.lsn, best.lsn) > 0) best = c;
  }
  return best;
}
