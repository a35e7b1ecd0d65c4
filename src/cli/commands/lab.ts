/** `lifeboat lab ...`: the local DR lab (docs/lab.md). */
import { InvalidArgumentError, type Command } from 'commander';
import { defaultLabDir } from '../../lab/clusters/paths.js';
import { registerLabClusters } from './lab-clusters.js';
import { registerLabServices } from './lab-services.js';

// The lab's code (and @kubernetes/client-node) loads only when a lab verb runs.
const labCode = () => import('../../lab/lab.js');

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new InvalidArgumentError('expected a port from 1 to 65535.');
  return n;
}

function replication(value: string): 'sync' | 'async' {
  if (value !== 'sync' && value !== 'async')
    throw new InvalidArgumentError('expected sync or async.');
  return value;
}

interface UpOptions {
  dir: string;
  replication: 'sync' | 'async';
  lifeboatPort: number;
  redisPort: number;
  haproxyPort?: number;
  prometheusPort?: number;
  alertmanagerPort?: number;
  postgresPort?: number;
  ferretdbPort?: number;
  metricsPort?: number;
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description(
      'the local DR lab: real member clusters, PostgreSQL, FerretDB, HAProxy, Prometheus, Alertmanager',
    )
    .addHelpText(
      'after',
      '\nStart with `lifeboat lab up`, then `lifeboat lab drill`. See docs/lab.md.',
    );

  lab
    .command('up')
    .description('start the whole lab and wait until clients can write through HAProxy')
    .option('-d, --dir <dir>', 'lab directory (state, data, logs/)', defaultLabDir)
    .option(
      '--replication <mode>',
      'sync (no acknowledged write lost) or async',
      replication,
      'sync',
    )
    .option('--lifeboat-port <port>', "lifeboat's API port", port, 8080)
    .option('--redis-port <port>', "the lab's Redis port", port, 6390)
    .option('--haproxy-port <port>', 'the client entry point (HAProxy, 127.0.0.1)', port)
    .option('--prometheus-port <port>', 'Prometheus (127.0.0.1)', port)
    .option('--alertmanager-port <port>', 'Alertmanager (127.0.0.1)', port)
    .option('--postgres-port <port>', "PostgreSQL on each cluster's own loopback address", port)
    .option('--ferretdb-port <port>', "FerretDB on each cluster's own loopback address", port)
    .option('--metrics-port <port>', "each cluster's /metrics endpoint", port)
    .addHelpText(
      'after',
      '\nAs root it installs missing Debian packages; it builds kube-apiserver, etcd and FerretDB once (about 10 minutes), then reuses them.',
    )
    .action(async (o: UpOptions) => {
      const { labUp, labSummary } = await labCode();
      const ports = Object.fromEntries(
        Object.entries({
          haproxy: o.haproxyPort,
          prometheus: o.prometheusPort,
          alertmanager: o.alertmanagerPort,
          postgres: o.postgresPort,
          ferretdb: o.ferretdbPort,
          metrics: o.metricsPort,
        }).filter(([, v]) => v !== undefined),
      );
      const info = await labUp({
        dir: o.dir,
        replication: o.replication,
        lifeboatPort: o.lifeboatPort,
        redisPort: o.redisPort,
        ports,
        onProgress: progress,
      });
      process.stdout.write(labSummary(info));
    });

  lab
    .command('down')
    .description(
      'stop everything the lab started; its data is deleted (logs/ and drill-report.json stay)',
    )
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .option('--keep', 'keep the data (clusters, databases, Redis) for a later `lab up`')
    .action(async (o: { dir: string; keep?: boolean }) => {
      const stopped = await (
        await labCode()
      ).labDown(o.dir, { keep: o.keep, onProgress: progress });
      process.stdout.write(
        stopped.length > 0
          ? `stopped ${String(stopped.length)} processes; nothing of the lab runs now\n`
          : 'nothing was running\n',
      );
    });

  lab
    .command('kill')
    .description(
      'lose a site: kill every process of CLUSTER at once (API server, PostgreSQL, FerretDB, metrics)',
    )
    .argument('<cluster>', 'cluster-1, cluster-2 or cluster-3')
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .action(async (cluster: string, o: { dir: string }) => {
      await (await labCode()).labKill(o.dir, cluster, progress);
    });

  lab
    .command('revive')
    .description(
      'bring CLUSTER back; its database starts in the role lifeboat holds for it (a former primary returns as standby)',
    )
    .argument('<cluster>', 'cluster-1, cluster-2 or cluster-3')
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .action(async (cluster: string, o: { dir: string }) => {
      await (await labCode()).labRevive(o.dir, cluster, progress);
    });

  lab
    .command('drill')
    .description(
      'write through HAProxy without pause, kill a cluster, measure the failover, revive it, report',
    )
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .option('--cluster <name>', 'the cluster to kill', 'cluster-1')
    .option('--no-revive', 'leave the killed cluster down')
    .addHelpText(
      'after',
      '\nWrites <dir>/drill-report.json. Killing cluster-2 (the standby) must start no plan; the report says so.',
    )
    .action(async (o: { dir: string; cluster: string; revive: boolean }) => {
      const { labDrill, formatDrillSummary } = await labCode();
      const result = await labDrill(o.dir, {
        cluster: o.cluster,
        revive: o.revive,
        onProgress: progress,
      });
      process.stdout.write(`${formatDrillSummary(result.report)}\nreport: ${result.reportPath}\n`);
    });

  registerLabClusters(lab);
  registerLabServices(lab);
}
