/** Terminal output: aligned tables for people, YAML or JSON for machines. */
import { stringify } from 'yaml';
import { formatCauses, type Cause } from '../errors.js';

export type OutputFormat = 'table' | 'yaml' | 'json';

export function parseOutput(value: string): OutputFormat {
  if (value === 'table' || value === 'yaml' || value === 'json') return value;
  throw new Error(`-o ${value} is not one of table, yaml, json`);
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function render(value: unknown, format: Exclude<OutputFormat, 'table'>): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}

/** "3m", "2h", "5d" since an ISO time, like kubectl's AGE column. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function printCauses(causes: readonly Cause[]): void {
  if (causes.length > 0) process.stderr.write(`${formatCauses(causes)}\n`);
}
