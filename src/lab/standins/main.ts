/**
 * Entry point of a lab cluster agent process (started by {@link startStandins}, one per
 * member cluster): `node --import tsx src/lab/standins/main.ts --dir=<lab> --cluster=cluster-1
 * [--only=percona,metrics] [--namespace=psql-operator] --agent-id=<marker>`. Logs go to stdout (the agent's log file).
 */
import { parseArgs } from 'node:util';
import { readTopology } from '../topology/topology.js';
import { runClusterAgent } from './agent.js';
import type { AgentPart } from './agent.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    cluster: { type: 'string' },
    only: { type: 'string' },
    namespace: { type: 'string' },
    'agent-id': { type: 'string' },
  },
});

const log = (message: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
};

if (!values.dir || !values.cluster) {
  process.stderr.write(
    'usage: main.ts --dir=<lab dir> --cluster=<cluster-N> [--only=metrics,percona,loadbalancer,haproxy]\n',
  );
  process.exit(2);
}

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log(`${values.cluster ?? ''} agent: ${signal}, stopping`);
    controller.abort();
    // Watches and sockets close on abort; do not wait for a slow apiserver.
    setTimeout(() => process.exit(0), 2_000).unref();
  });
}

try {
  const topology = await readTopology(values.dir);
  await runClusterAgent({
    topology,
    cluster: values.cluster,
    signal: controller.signal,
    log,
    ...(values.only ? { only: values.only.split(',') as AgentPart[] } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
  });
  process.exit(0);
} catch (err) {
  log(`${values.cluster} agent failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
