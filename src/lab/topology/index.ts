/** Where the lab's services are: addresses, ports, directories, and the lab's stand-in DNS. */
export {
  databaseCluster,
  defaultClusterHostPrefix,
  defaultLabPorts,
  peerOf,
  planTopology,
  readTopology,
  topologyPath,
  writeTopology,
} from './topology.js';
export type {
  DatabaseCluster,
  LabPorts,
  LabTopology,
  PlanTopologyOptions,
  ReplicationMode,
} from './topology.js';
export { hostnameTable } from './hostnames.js';
export type { Endpoint } from './hostnames.js';
