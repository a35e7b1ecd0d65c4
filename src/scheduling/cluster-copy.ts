/**
 * One cluster's copy of an object, rendered when first read.
 *
 * Most copies are the original unchanged (or with another `spec.replicas`), and deciding
 * placements for thousands of objects should not pay for thousands of deep clones nobody
 * reads yet. So `manifest` is a getter: the first read renders a deep copy and keeps it.
 * Copies with overrides are rendered at once by the scheduler (an override that cannot
 * be applied must be reported when scheduling) and handed in ready.
 *
 * The getter lives on the class, so `JSON.stringify` goes through {@link ClusterCopy.toJSON};
 * spreading (`{ ...copy }`) or `structuredClone` would leave `manifest` out — read it.
 */
import type { KubeObject } from '../resources/meta.js';
import { renderCopy } from './overrides.js';

/** A copy as plain data, the shape {@link ClusterCopy.toJSON} returns. */
export interface ClusterCopyData {
  cluster: string;
  replicas?: number;
  manifest: KubeObject;
}

/** One cluster's copy of an object: where, how many replicas (Divide), and the manifest. */
export class ClusterCopy {
  /** Member cluster name. */
  readonly cluster: string;
  /** Divide: the copy's `spec.replicas`; absent otherwise. */
  declare readonly replicas?: number;
  #source: KubeObject | undefined;
  #manifest: KubeObject | undefined;
  #overridden = false;

  private constructor(cluster: string, replicas: number | undefined) {
    this.cluster = cluster;
    if (replicas !== undefined) (this as { replicas?: number }).replicas = replicas;
  }

  /** A copy of `source` (with `replicas` set, if given), rendered on first read. */
  static lazy(cluster: string, replicas: number | undefined, source: KubeObject): ClusterCopy {
    const copy = new ClusterCopy(cluster, replicas);
    copy.#source = source;
    return copy;
  }

  /** A copy already rendered; `manifest` must be owned by the copy (not shared). */
  static rendered(
    cluster: string,
    replicas: number | undefined,
    manifest: KubeObject,
  ): ClusterCopy {
    const copy = new ClusterCopy(cluster, replicas);
    copy.#manifest = manifest;
    copy.#overridden = true;
    return copy;
  }

  /**
   * True when overrides shaped this copy. False means the manifest is the source object
   * with only `replicas` set, so copies with equal `replicas` have equal manifests (the
   * propagator renders one of them instead of each).
   */
  get overridden(): boolean {
    return this.#overridden;
  }

  /** The object as this cluster receives it: a deep copy with replicas and overrides applied. */
  get manifest(): KubeObject {
    if (this.#manifest === undefined) {
      const source = this.#source as KubeObject;
      this.#manifest = renderCopy(source, { replicas: this.replicas, overrides: [] });
      this.#source = undefined;
    }
    return this.#manifest;
  }

  /** Plain data, manifest included. */
  toJSON(): ClusterCopyData {
    return this.replicas === undefined
      ? { cluster: this.cluster, manifest: this.manifest }
      : { cluster: this.cluster, replicas: this.replicas, manifest: this.manifest };
  }
}
