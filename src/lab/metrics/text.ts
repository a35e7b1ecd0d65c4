/** One gauge sample of the lab's per-cluster metrics. */
export interface Sample {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Prometheus text exposition format (0.0.4) of `samples`, all gauges (pure). */
export function formatMetrics(samples: readonly Sample[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    if (!seen.has(s.name)) {
      seen.add(s.name);
      lines.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} gauge`);
    }
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(
      `${s.name}${labels ? `{${labels}}` : ''} ${Number.isFinite(s.value) ? String(s.value) : 'NaN'}`,
    );
  }
  return lines.join('\n') + '\n';
}
