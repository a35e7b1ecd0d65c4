/**
 * Which plural and scope a kind has in one member cluster, from that cluster's own
 * discovery documents (`/api/v1`, `/apis/{group}/{version}`), cached per group-version.
 * A kind missing from a cached document is looked up again, at most every few seconds,
 * so a CRD installed later is found without a restart.
 */
import { MemberClusterError } from './member-clusters.js';
import { errorFromResponse } from './status-errors.js';
import type { ClusterTransport } from './transport.js';

/** How a kind is served: its URL plural and whether it lives in namespaces. */
export interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

interface Cached {
  at: number;
  byKind: Map<string, ResourceInfo>;
  byPlural: Map<string, ResourceInfo>;
}

/** A missing kind is asked for again after this long. */
const MISS_REFRESH_MS = 5_000;

export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export class Discovery {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<Cached>>();

  constructor(private readonly transport: ClusterTransport) {}

  private async fetch(apiVersion: string): Promise<Cached> {
    let p = this.inflight.get(apiVersion);
    if (!p) {
      p = (async () => {
        const path = apiVersionPath(apiVersion);
        const res = await this.transport.request('GET', path, { timeoutMs: 10_000 });
        const entry: Cached = { at: Date.now(), byKind: new Map(), byPlural: new Map() };
        if (res.status === 404) {
          this.cache.set(apiVersion, entry);
          return entry;
        }
        if (res.status < 200 || res.status > 299) {
          throw errorFromResponse(
            this.transport.cluster,
            res.status,
            res.body,
            `discovery of ${apiVersion}`,
          );
        }
        const list = JSON.parse(res.body) as APIResourceList;
        for (const r of list.resources ?? []) {
          if (r.name.includes('/')) continue; // subresources: status, scale, ...
          const info = { plural: r.name, namespaced: r.namespaced };
          entry.byKind.set(r.kind, info);
          entry.byPlural.set(r.name, info);
        }
        this.cache.set(apiVersion, entry);
        return entry;
      })().finally(() => this.inflight.delete(apiVersion));
      this.inflight.set(apiVersion, p);
    }
    return p;
  }

  private async lookup(
    apiVersion: string,
    pick: (c: Cached) => ResourceInfo | undefined,
  ): Promise<ResourceInfo | undefined> {
    let entry = this.cache.get(apiVersion);
    let info = entry && pick(entry);
    if (info) return info;
    if (!entry || Date.now() - entry.at > MISS_REFRESH_MS) {
      entry = await this.fetch(apiVersion);
      info = pick(entry);
    }
    return info;
  }

  /** The kind's plural and scope; throws MemberClusterError 404 `KindNotFound` naming the fix. */
  async forKind(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.lookup(apiVersion, (c) => c.byKind.get(kind));
    if (!info) {
      throw new MemberClusterError(
        this.transport.cluster,
        404,
        'KindNotFound',
        `it does not serve kind ${kind} in ${apiVersion}; install its CustomResourceDefinition there (or fix apiVersion)`,
      );
    }
    return info;
  }

  /** The scope of a resource named by its plural; throws like {@link forKind}. */
  async forPlural(apiVersion: string, plural: string): Promise<ResourceInfo> {
    const info = await this.lookup(apiVersion, (c) => c.byPlural.get(plural));
    if (!info) {
      throw new MemberClusterError(
        this.transport.cluster,
        404,
        'KindNotFound',
        `it does not serve resource "${plural}" in ${apiVersion}; check the spelling or install its CustomResourceDefinition there`,
      );
    }
    return info;
  }
}
