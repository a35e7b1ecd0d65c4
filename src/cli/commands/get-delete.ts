/** `lifeboat get KIND [NAME]` and `lifeboat delete KIND NAME`. */
import type { Command } from 'commander';
import type { KubeObject } from '../../resources/meta.js';
import type { KindInfo } from '../../resources/kinds.js';
import { ApiClient, CliError } from '../client.js';
import { age, parseOutput, render, table } from '../output.js';
import { getPlacements, isPlacements } from './placements.js';
import { collectionPath, kindByName, knownNames, objectPath } from '../resource-names.js';

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output: string;
}

function resolveKind(name: string): KindInfo {
  const info = kindByName(name);
  if (!info) throw new CliError(`unknown kind "${name}"; known: ${knownNames()}`);
  return info;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Kind-specific columns, like kubectl's printer columns. */
function columns(info: KindInfo, items: KubeObject[]): { headers: string[]; rows: string[][] } {
  const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;
  const status = (o: KubeObject) => (o.status ?? {}) as Record<string, unknown>;
  const name = (o: KubeObject) => o.metadata.name;
  const made = (o: KubeObject) => age(o.metadata.creationTimestamp);
  switch (info.kind) {
    case 'RecoveryPlan':
      return {
        headers: ['NAME', 'ALERT LABELS', 'STEPS', 'AGE'],
        rows: items.map((o) => [
          name(o),
          Object.entries((spec(o).alertLabels ?? {}) as Record<string, string>)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
          String(((spec(o).steps ?? []) as unknown[]).length),
          made(o),
        ]),
      };
    case 'RecoveryRun':
      return {
        headers: ['NAME', 'PLAN', 'PHASE', 'STEPS', 'DURATION', 'AGE'],
        rows: items.map((o) => {
          const st = status(o);
          const steps = (st.steps ?? []) as { state?: string }[];
          const done = steps.filter((s) => s.state === 'Succeeded').length;
          return [
            name(o),
            str(spec(o).plan),
            str(st.phase),
            `${done}/${steps.length}`,
            st.durationMs === undefined ? '-' : `${str(st.durationMs)}ms`,
            made(o),
          ];
        }),
      };
    case 'Cluster':
      return {
        headers: ['NAME', 'READY', 'REASON', 'AGE'],
        rows: items.map((o) => {
          const ready = (
            (status(o).conditions ?? []) as { type?: string; status?: string; reason?: string }[]
          ).find((c) => c.type === 'Ready');
          return [name(o), ready?.status ?? 'Unknown', ready?.reason ?? '', made(o)];
        }),
      };
    default:
      return info.namespaced
        ? {
            headers: ['NAMESPACE', 'NAME', 'AGE'],
            rows: items.map((o) => [o.metadata.namespace ?? '', name(o), made(o)]),
          }
        : { headers: ['NAME', 'AGE'], rows: items.map((o) => [name(o), made(o)]) };
  }
}

export function registerGetDelete(program: Command, client: () => ApiClient): void {
  program
    .command('get')
    .description('show objects of a kind, or one object')
    .argument('<kind>', `what to show: placements, ${knownNames()}`)
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace of namespaced kinds', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=ferretdb,tier!=db')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (kind: string, name: string | undefined, opts: GetOptions) => {
      const format = parseOutput(opts.output);
      if (isPlacements(kind)) {
        await getPlacements(client(), format);
        return;
      }
      const info = resolveKind(kind);
      const api = client();
      if (name) {
        const obj = await api.request<KubeObject>('GET', objectPath(info, name, opts.namespace));
        if (format === 'table') {
          const { headers, rows } = columns(info, [obj]);
          process.stdout.write(`${table(headers, rows)}\n`);
        } else process.stdout.write(`${render(obj, format)}\n`);
        return;
      }
      const query = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
      const list = await api.request<{ items: KubeObject[] }>(
        'GET',
        `${collectionPath(info, opts.allNamespaces ? undefined : opts.namespace)}${query}`,
      );
      if (format !== 'table') {
        process.stdout.write(`${render(list, format)}\n`);
        return;
      }
      if (list.items.length === 0) {
        process.stderr.write(`no ${info.plural} found\n`);
        return;
      }
      const { headers, rows } = columns(info, list.items);
      process.stdout.write(`${table(headers, rows)}\n`);
    });

  program
    .command('delete')
    .description('delete one object')
    .argument('<kind>', 'the kind, e.g. policy, plan, cm')
    .argument('<name>', 'the object name')
    .option('-n, --namespace <ns>', 'namespace of namespaced kinds', 'default')
    .action(async (kind: string, name: string, opts: { namespace: string }) => {
      const info = resolveKind(kind);
      await client().request('DELETE', objectPath(info, name, opts.namespace));
      process.stdout.write(`${info.kind.toLowerCase()} "${name}" deleted\n`);
    });
}
