/** FerretDB 1.x (built from Go modules) in front of each database cluster's PostgreSQL. */
export { ensureFerretdb, ferretdbBinaryPath, ferretdbBuildScript } from './binary.js';
export type { EnsureFerretdbOptions } from './binary.js';
export {
  ferretdbArgs,
  ferretdbPostgresUrl,
  ferretdbServiceName,
  killFerretdb,
  startFerretdb,
  stopFerretdb,
} from './ferretdb.js';
