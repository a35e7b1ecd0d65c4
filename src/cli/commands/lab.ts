/** `lifeboat lab ...`: the local multi-cluster DR lab. */
import type { Command } from 'commander';
import { registerLabClusters } from './lab-clusters.js';
import { registerLabServices } from './lab-services.js';

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('the local DR lab: real member clusters and services on loopback');
  registerLabClusters(lab);
  registerLabServices(lab);
}
