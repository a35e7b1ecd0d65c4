import type { Command } from 'commander';
import { defaultLabDir } from '../../lab/clusters/paths.js';
import { table } from '../output.js';

// The lab's code (and @kubernetes/client-node) loads only when one of these verbs runs.
const servicesCode = () => import('../../lab/services.js');
const standinsCode = () => import('../../lab/standins/index.js');
const topologyCode = () => import('../../lab/topology/index.js');

const parts = ['metrics', 'percona', 'loadbalancer', 'haproxy'] as const;

/**
 * Adds debugging verbs for the lab's services under `lab`: `services` (what runs, with
 * pids and logs) and `standin CLUSTER` (one cluster's stand-ins in the foreground).
 */
export function registerLabServices(lab: Command): void {
  lab
    .command('services')
    .description(
      "the lab's services (PostgreSQL, FerretDB, HAProxy, monitoring, agents): pid, state, log",
    )
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .action(async (opts: { dir: string }) => {
      const rows = await (await servicesCode()).labServicesStatus(opts.dir);
      process.stdout.write(
        table(
          ['NAME', 'CLUSTER', 'PID', 'STATE', 'LOG'],
          rows.map((s) => [
            s.name,
            s.cluster ?? '-',
            String(s.pid ?? '-'),
            s.running ? 'running' : 'stopped',
            s.log,
          ]),
        ),
      );
    });

  lab
    .command('standin')
    .description(
      "run one member cluster's stand-ins and /metrics in the foreground (debugging; stop its agent first)",
    )
    .argument('<cluster>', 'cluster-1, cluster-2 or cluster-3')
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .option('--only <parts>', `comma-separated subset of ${parts.join(',')}`)
    .option(
      '-n, --namespace <ns>',
      'namespace of the PerconaPGCluster objects and the HAProxy ConfigMap',
      'psql-operator',
    )
    .action(async (cluster: string, opts: { dir: string; only?: string; namespace: string }) => {
      const only = opts.only?.split(',').map((p) => p.trim());
      const unknown = only?.filter((p) => !(parts as readonly string[]).includes(p)) ?? [];
      if (unknown.length > 0)
        throw new Error(
          `--only: unknown part ${unknown.join(', ')}; choose from ${parts.join(', ')}`,
        );
      const topology = await (await topologyCode()).readTopology(opts.dir);
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      await (
        await standinsCode()
      ).runClusterAgent({
        topology,
        cluster,
        signal: controller.signal,
        namespace: opts.namespace,
        log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
        ...(only ? { only: only as (typeof parts)[number][] } : {}),
      });
    });
}
