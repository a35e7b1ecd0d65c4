/**
 * One member cluster's client, reused for its lifetime: server-side apply, get, delete,
 * list, watch and patch of any kind (built-in or custom), with plurals and scope from
 * the cluster's own discovery. Every failure is a MemberClusterError.
 */
import type { PatchType } from '../resources/recovery-plan.js';
import type { KubeObject } from '../resources/meta.js';
import { apiVersionPath, Discovery, type ResourceInfo } from './discovery.js';
import type { MemberKubeConfig } from './kubeconfig.js';
import type { MemberTarget } from './member-clusters.js';
import { errorFromResponse, parseStatus } from './status-errors.js';
import { ClusterTransport, type HttpAnswer, type TransportOptions } from './transport.js';

/** The field manager of every write lifeboat makes to a member cluster. */
export const FIELD_MANAGER = 'lifeboat';

/** An object's address by kind (as manifests name it). */
export interface ObjectAddress {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** One page of a list. */
export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

/** One watch event; `BOOKMARK` only moves the resourceVersion. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: KubeObject;
}

/** Marks namespaces lifeboat created because an object needed one (never pruned). */
export const CREATED_NAMESPACE_ANNOTATION = 'lifeboat.elotl.co/created-for';

function ok(res: HttpAnswer): boolean {
  return res.status >= 200 && res.status <= 299;
}

function describe(addr: { kind?: string; namespace?: string; name?: string }): string {
  return `${addr.kind ?? ''} ${addr.namespace ? `${addr.namespace}/` : ''}${addr.name ?? ''}`.trim();
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class ClusterClient {
  private readonly discovery: Discovery;
  private readonly namespaces = new Map<string, Promise<void>>();

  private constructor(
    readonly name: string,
    private readonly transport: ClusterTransport,
  ) {
    this.discovery = new Discovery(transport);
  }

  /** A client for cluster `name` over its own kubeconfig (one context). */
  static async create(
    name: string,
    kc: MemberKubeConfig,
    opts: TransportOptions = {},
  ): Promise<ClusterClient> {
    return new ClusterClient(name, await ClusterTransport.create(name, kc, opts));
  }

  get server(): string {
    return this.transport.server;
  }

  /** Plural and scope of a kind in this cluster. */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return this.discovery.forKind(apiVersion, kind);
  }

  private async pathOf(addr: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name?: string;
  }): Promise<string> {
    const info = await this.discovery.forKind(addr.apiVersion, addr.kind);
    return this.pathWith(info, addr.apiVersion, addr.namespace, addr.name);
  }

  private pathWith(
    info: ResourceInfo,
    apiVersion: string,
    namespace: string | undefined,
    name: string | undefined,
  ): string {
    let p = apiVersionPath(apiVersion);
    if (info.namespaced) p += `/namespaces/${encodeURIComponent(namespace || 'default')}`;
    p += `/${info.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    return p;
  }

  private parse(res: HttpAnswer, what: string): KubeObject {
    if (!ok(res)) throw errorFromResponse(this.name, res.status, res.body, what);
    return JSON.parse(res.body) as KubeObject;
  }

  /** Answers when the API server says it is ready; throws MemberClusterError otherwise. */
  async probe(timeoutMs: number): Promise<void> {
    const res = await this.transport.request('GET', '/readyz', { timeoutMs });
    if (!ok(res)) throw errorFromResponse(this.name, res.status, res.body, 'GET /readyz');
  }

  /**
   * Server-side apply of `body` (the manifest as JSON text, sent byte for byte) with
   * field manager `lifeboat` and force: lifeboat's desired state wins every conflict.
   */
  async apply(addr: ObjectAddress, body: string): Promise<KubeObject> {
    const path = await this.pathOf(addr);
    const res = await this.transport.request(
      'PATCH',
      `${path}${query({ fieldManager: FIELD_MANAGER, force: true })}`,
      {
        body,
        contentType: 'application/apply-patch+yaml',
      },
    );
    return this.parse(res, `apply ${describe(addr)}`);
  }

  /** The object, or undefined when it does not exist. */
  async get(addr: ObjectAddress): Promise<KubeObject | undefined> {
    const res = await this.transport.request('GET', await this.pathOf(addr));
    if (res.status === 404 && parseStatus(res.body)?.reason === 'NotFound') return undefined;
    return this.parse(res, `get ${describe(addr)}`);
  }

  /** Deletes the object (only if its uid is still `uid`, when given). False when it was not there. */
  async delete(addr: ObjectAddress, uid?: string): Promise<boolean> {
    const body = JSON.stringify({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
      ...(uid ? { preconditions: { uid } } : {}),
    });
    const res = await this.transport.request('DELETE', await this.pathOf(addr), { body });
    if (res.status === 404) return false;
    if (!ok(res))
      throw errorFromResponse(this.name, res.status, res.body, `delete ${describe(addr)}`);
    return true;
  }

  /** One page of objects of a kind across all namespaces. */
  async list(
    apiVersion: string,
    kind: string,
    opts: { labelSelector?: string; limit?: number; continue?: string } = {},
  ): Promise<ListPage> {
    const info = await this.discovery.forKind(apiVersion, kind);
    const path = `${apiVersionPath(apiVersion)}/${info.plural}`;
    const res = await this.transport.request(
      'GET',
      `${path}${query({ labelSelector: opts.labelSelector, limit: opts.limit, continue: opts.continue })}`,
      { timeoutMs: 60_000 },
    );
    if (!ok(res)) throw errorFromResponse(this.name, res.status, res.body, `list ${kind}`);
    const list = JSON.parse(res.body) as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    // List items come without apiVersion/kind; the caller knows them.
    const items = (list.items ?? []).map((o) => ({ ...o, apiVersion, kind }));
    const page: ListPage = { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    if (list.metadata?.continue) page.continue = list.metadata.continue;
    return page;
  }

  /**
   * Watches a kind across all namespaces from `resourceVersion` until the server ends
   * the watch (`'ended'`), the resourceVersion is too old (`'expired'`: list again), or
   * `signal` aborts. Throws MemberClusterError when the cluster does not answer.
   */
  async watch(
    apiVersion: string,
    kind: string,
    opts: { labelSelector?: string; resourceVersion: string; timeoutSeconds: number },
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<'ended' | 'expired'> {
    const info = await this.discovery.forKind(apiVersion, kind);
    const path = `${apiVersionPath(apiVersion)}/${info.plural}${query({
      watch: 1,
      allowWatchBookmarks: true,
      labelSelector: opts.labelSelector,
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: opts.timeoutSeconds,
    })}`;
    // Set from the line callback; an object so the checks below are not narrowed away.
    const end: { expired: boolean; failure?: Error } = { expired: false };
    const res = await this.transport.stream(
      path,
      (line) => {
        if (end.expired || end.failure) return;
        const ev = JSON.parse(line) as { type: string; object: KubeObject };
        if (ev.type === 'ERROR') {
          const status = parseStatus(ev.object);
          if (status?.code === 410) end.expired = true;
          else
            end.failure = errorFromResponse(
              this.name,
              status?.code ?? 500,
              ev.object,
              `watch ${kind}`,
            );
          return;
        }
        onEvent({
          type: ev.type as WatchEvent['type'],
          object: { ...ev.object, apiVersion, kind },
        });
      },
      signal,
      (opts.timeoutSeconds + 30) * 1000,
    );
    if (res.status === 410) return 'expired';
    if (!ok(res)) throw errorFromResponse(this.name, res.status, res.body, `watch ${kind}`);
    if (end.failure) throw end.failure;
    return end.expired ? 'expired' : 'ended';
  }

  /**
   * Makes sure namespace `ns` exists, creating it when missing (with an annotation saying
   * lifeboat made it; prune never deletes namespaces). Remembered once it exists.
   */
  ensureNamespace(ns: string): Promise<void> {
    let p = this.namespaces.get(ns);
    if (!p) {
      p = (async () => {
        const path = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
        const got = await this.transport.request('GET', path);
        if (ok(got)) return;
        if (got.status !== 404)
          throw errorFromResponse(this.name, got.status, got.body, `get namespace ${ns}`);
        const body = JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: ns,
            annotations: { [CREATED_NAMESPACE_ANNOTATION]: 'objects placed by lifeboat' },
          },
        });
        const made = await this.transport.request('POST', '/api/v1/namespaces', { body });
        if (!ok(made) && made.status !== 409) {
          throw errorFromResponse(this.name, made.status, made.body, `create namespace ${ns}`);
        }
      })();
      this.namespaces.set(ns, p);
      p.catch(() => this.namespaces.delete(ns));
    }
    return p;
  }

  /** Forgets that `ns` exists (it was deleted by hand): the next apply creates it again. */
  forgetNamespace(ns: string): void {
    this.namespaces.delete(ns);
  }

  /** Reads an object addressed by plural (recovery steps); undefined on 404. */
  async getResource(target: MemberTarget): Promise<KubeObject | undefined> {
    const info = await this.discovery.forPlural(target.apiVersion, target.resource);
    const res = await this.transport.request(
      'GET',
      this.pathWith(info, target.apiVersion, target.namespace, target.name),
    );
    if (res.status === 404) return undefined;
    return this.parse(
      res,
      `get ${target.resource} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`,
    );
  }

  /** Patches an object addressed by plural with the given content type. */
  async patchResource(
    target: MemberTarget,
    patch: unknown,
    patchType: PatchType,
  ): Promise<KubeObject> {
    const info = await this.discovery.forPlural(target.apiVersion, target.resource);
    const path = this.pathWith(info, target.apiVersion, target.namespace, target.name);
    const apply = patchType === 'application/apply-patch+yaml';
    const res = await this.transport.request(
      'PATCH',
      `${path}${query({ fieldManager: FIELD_MANAGER, force: apply ? true : undefined })}`,
      {
        body: JSON.stringify(patch),
        contentType: patchType,
      },
    );
    return this.parse(
      res,
      `patch ${target.resource} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`,
    );
  }

  /** Closes the client's connections. */
  close(): void {
    this.transport.close();
  }
}
