import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file sits in `src/lab/clusters/` (or `dist/lab/clusters/` once built). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The script that builds (or finds cached) kube-apiserver and etcd binaries. */
export const buildScript = path.join(repoRoot, 'tools', 'k8s', 'build.sh');

/** CRD manifests installed into every member cluster. */
export const crdDir = path.join(repoRoot, 'config', 'crds');

/** Where `lifeboat lab clusters up` keeps its state unless told otherwise. */
export const defaultLabDir = path.join('.lifeboat', 'lab');
