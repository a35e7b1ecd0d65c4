/**
 * Follows one kind in one member cluster: the objects carrying lifeboat's managed-by
 * label, listed (in pages) and then watched. Every live object seen goes to the worker
 * (drift check, status sync); each full list also tells it which objects are missing
 * or left over. The list is repeated every `resyncMs` — the periodic resync — and
 * whenever the watch's resourceVersion expires.
 *
 * Nothing is cached here: objects are handed over and dropped, so memory does not grow
 * with the number of objects in the members.
 */
import type { Logger } from 'pino';
import type { ClusterClient, WatchEvent } from '../clusters/client.js';
import type { MemberClusterError } from '../clusters/member-clusters.js';
import { errorFromFailure, isUnreachable } from '../clusters/status-errors.js';
import type { KubeObject } from '../resources/meta.js';
import { MANAGED_SELECTOR, objectId } from './manifest.js';

export interface ObserverHandlers {
  /** A live object was listed, added or modified. */
  seen(live: KubeObject): void;
  /** A live object was deleted. */
  deleted(id: string): void;
  /** A full list finished (after `seconds`): these ids exist (and carry the label) in the cluster. */
  listed(ids: ReadonlySet<string>, seconds: number): void;
  /** The cluster stopped answering; the observer has stopped. */
  unreachable(err: MemberClusterError): void;
}

// Small pages: a page body stays below V8's large-object size, so lists do not grow the old heap.
const PAGE = 100;
/** Longest single watch request; the server ends it and we continue from the last version. */
const MAX_WATCH_SECONDS = 300;

export class Observer {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ClusterClient,
    readonly apiVersion: string,
    readonly kind: string,
    private readonly handlers: ObserverHandlers,
    private readonly resyncMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async relist(): Promise<string> {
    const started = performance.now();
    const ids = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.apiVersion, this.kind, {
        labelSelector: MANAGED_SELECTOR,
        limit: PAGE,
        ...(cont ? { continue: cont } : {}),
      });
      if (this.abort.signal.aborted) return rv;
      for (const item of page.items) {
        ids.add(objectId(item));
        this.handlers.seen(item);
      }
      rv = page.resourceVersion;
      cont = page.continue;
    } while (cont);
    this.handlers.listed(ids, (performance.now() - started) / 1000);
    return rv;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        let rv = await this.relist();
        const listedAt = Date.now();
        failures = 0;
        while (!signal.aborted) {
          const left = this.resyncMs - (Date.now() - listedAt);
          if (left <= 0) break;
          const timeoutSeconds = Math.max(1, Math.min(MAX_WATCH_SECONDS, Math.ceil(left / 1000)));
          const onEvent = (ev: WatchEvent): void => {
            rv = ev.object.metadata.resourceVersion ?? rv;
            if (ev.type === 'BOOKMARK') return;
            if (ev.type === 'DELETED') this.handlers.deleted(objectId(ev.object));
            else this.handlers.seen(ev.object);
          };
          const end = await this.client.watch(
            this.apiVersion,
            this.kind,
            { labelSelector: MANAGED_SELECTOR, resourceVersion: rv, timeoutSeconds },
            onEvent,
            signal,
          );
          if (end === 'expired') break;
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const e = errorFromFailure(this.client.name, err, `following ${this.kind}`);
        if (isUnreachable(e)) {
          this.handlers.unreachable(e);
          return;
        }
        // A 4xx (kind gone, forbidden) or 5xx: say so, wait, list again.
        failures++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.logger.warn(
          { err: e.message, kind: this.kind, retryInMs: delay },
          'cannot follow a kind in a member cluster',
        );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
      }
    }
  }
}
