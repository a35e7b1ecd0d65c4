/** Small helpers for benches: percentiles and aligned result tables next to targets. */

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const idx = Math.min(
    sortedMs.length - 1,
    Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1),
  );
  return sortedMs[idx] ?? NaN;
}

export function summarize(samplesMs: number[]): {
  p50: number;
  p99: number;
  max: number;
  n: number;
} {
  const s = [...samplesMs].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    n: s.length,
  };
}

export interface Row {
  what: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export function printRows(title: string, rows: Row[]): void {
  const w0 = Math.max(...rows.map((r) => r.what.length), 4);
  const w1 = Math.max(...rows.map((r) => r.value.length), 5);
  process.stdout.write(`\n${title}\n`);
  for (const r of rows) {
    const verdict = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
    process.stdout.write(
      `  ${r.what.padEnd(w0)}  ${r.value.padStart(w1)}${r.target ? `   target ${r.target}${verdict}` : ''}\n`,
    );
  }
}

export const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
