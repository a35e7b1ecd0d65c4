import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultLabDir } from '../../lab/clusters/paths.js';

// The cluster code (and @kubernetes/client-node) loads only when a lab verb runs,
// so `lifeboat get` and friends start fast.
const clusterCode = () => import('../../lab/clusters/index.js');

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new InvalidArgumentError('expected a whole number from 1 to 20.');
  return n;
}

const progress = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/**
 * Adds `clusters up|down|status` under the `lab` command: real kube-apiserver + etcd
 * member clusters on loopback (ADR 0003).
 */
export function registerLabClusters(lab: Command): Command {
  const clusters = lab
    .command('clusters')
    .description('real Kubernetes member clusters (kube-apiserver + etcd) on loopback')
    .addHelpText(
      'after',
      `
The binaries come from 'bash tools/k8s/build.sh' (Go needed; ~9 min the first time, then cached
in \${LIFEBOAT_CACHE:-~/.cache/lifeboat}/bin). 'up' builds them if they are missing.`,
    );

  clusters
    .command('up')
    .description(
      'start cluster-1..N, install the CRDs in config/crds, and print one kubeconfig path per cluster',
    )
    .option('-c, --count <n>', 'how many member clusters', parseCount, 3)
    .option('-d, --dir <dir>', 'lab directory (state.json, kubeconfigs/, clusters/)', defaultLabDir)
    .option('--no-build', 'fail instead of building missing kube-apiserver/etcd binaries')
    .addHelpText(
      'after',
      `
Clusters already recorded in --dir are started again with their data. Each kubeconfig has one
context named after its cluster, e.g.:
  kubectl --kubeconfig .lifeboat/lab/kubeconfigs/cluster-1.yaml get ns`,
    )
    .action(async (opts: { count: number; dir: string; build: boolean }) => {
      const result = await (
        await clusterCode()
      ).clustersUp({
        count: opts.count,
        dir: opts.dir,
        build: opts.build,
        onProgress: progress,
      });
      progress(
        `${String(result.clusters.length)} clusters ready in ${(result.readyMs / 1000).toFixed(1)}s; stop them with 'lifeboat lab clusters down --dir ${opts.dir}'`,
      );
      for (const c of result.clusters) process.stdout.write(`${c.kubeconfig}\n`);
    });

  clusters
    .command('down')
    .description('stop every member cluster started in --dir (data kept unless --purge)')
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .option('--purge', 'also delete the lab directory: etcd data, certificates, kubeconfigs', false)
    .action(async (opts: { dir: string; purge: boolean }) => {
      const stopped = await (
        await clusterCode()
      ).clustersDown({
        dir: opts.dir,
        purge: opts.purge,
        onProgress: progress,
      });
      progress(
        stopped.length > 0 ? `stopped ${stopped.join(', ')}` : `no running clusters in ${opts.dir}`,
      );
    });

  clusters
    .command('status')
    .description('list the member clusters in --dir and whether their processes run')
    .option('-d, --dir <dir>', 'lab directory', defaultLabDir)
    .action(async (opts: { dir: string }) => {
      const rows = await (await clusterCode()).clustersStatus(opts.dir);
      if (rows.length === 0) {
        progress(`no clusters in ${opts.dir}: start them with 'lifeboat lab clusters up'`);
        return;
      }
      const state = (up: boolean): string => (up ? 'running' : 'stopped');
      for (const c of rows)
        process.stdout.write(
          `${c.name}\t${c.server}\tapiserver ${state(c.apiserver.running)}\tetcd ${state(c.etcd.running)}\t${c.kubeconfig}\n`,
        );
    });

  return clusters;
}
