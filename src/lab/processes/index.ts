/**
 * The lab's process supervisor: every process the lab starts besides the member
 * clusters' etcd and kube-apiserver is recorded in `<dir>/services.json` (pid, marker,
 * log) so `lab down` stops all of it, from any process, and logs go to `<dir>/logs/`.
 */
export { LabServiceError } from './errors.js';
export { readServices, servicesPath, updateServices } from './registry.js';
export type { ServiceRecord, ServicesFile } from './registry.js';
export {
  findService,
  killClusterServices,
  killService,
  logsDir,
  serviceLog,
  serviceRunning,
  servicesStatus,
  startService,
  stopService,
  stopServices,
} from './supervisor.js';
export type { ServiceSpec, ServiceStatus } from './supervisor.js';
export { runCommand } from './run.js';
export type { RunOptions, RunResult } from './run.js';
export {
  aptInstallCommand,
  labPrerequisites,
  missingPrerequisites,
  requirePrerequisites,
} from './prerequisites.js';
export type { Prerequisite } from './prerequisites.js';
