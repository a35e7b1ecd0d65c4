/**
 * The stand-ins' Kubernetes access: one KubeConfig per member cluster (from the lab's
 * kubeconfigs/), merge patches with the content type set explicitly, and a small
 * level-triggered controller loop (watch for speed, periodic re-list for correctness).
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import type { ConfigurationOptions } from '@kubernetes/client-node';

/** The kubeconfig of member cluster `cluster` in the lab in `dir`. */
export function kubeconfigPath(dir: string, cluster: string): string {
  return path.join(dir, 'kubeconfigs', `${cluster}.yaml`);
}

/** A KubeConfig for member cluster `cluster` alone. */
export function loadKubeConfig(dir: string, cluster: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath(dir, cluster));
  return kc;
}

/** Request options that send a JSON merge patch (the generated clients default to JSON patch). */
export function mergePatch(): ConfigurationOptions {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

/** HTTP status of a client-node error, if it has one. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A line-oriented logger (the agent writes to its log file through stdout). */
export type Log = (message: string) => void;

/** Options of {@link runController}. */
export interface ControllerOptions<T> {
  /** Shown in logs: `percona-standin/cluster-1`. */
  name: string;
  kc: KubeConfig;
  /** API path to watch, e.g. `/api/v1/namespaces/psql-operator/configmaps`. */
  watchPath: string;
  /** Query of the watch, e.g. `{ fieldSelector: 'metadata.name=haproxy-config' }`. */
  watchQuery?: Record<string, string>;
  /** Reads the current objects (throws when the cluster does not answer). */
  list: () => Promise<T[]>;
  /** Makes the world match `objects`; runs one at a time, never concurrently. */
  reconcile: (objects: T[]) => Promise<void>;
  /** Re-list and reconcile this often even without events. Default 1000 ms. */
  resyncMs?: number;
  signal: AbortSignal;
  log: Log;
}

/**
 * Runs a controller until `signal` aborts: reconcile on every watch event (coalesced) and
 * every `resyncMs`, restarting the watch when it ends (a member cluster that went away
 * and came back). Errors are logged once per kind, never thrown.
 */
export async function runController<T>(options: ControllerOptions<T>): Promise<void> {
  const { signal, log } = options;
  // Read through functions: both change behind awaits, which type narrowing cannot see.
  const aborted = (): boolean => signal.aborted;
  const isDirty = (): boolean => dirty;
  let wake: (() => void) | undefined;
  let dirty = true;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  let lastError = '';
  const report = (what: string, err: unknown): void => {
    const message = `${what}: ${(err as Error).message}`;
    if (message !== lastError) log(`${options.name}: ${message}`);
    lastError = message;
  };

  let watching: AbortController | undefined;
  const startWatch = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const ended = new Promise<void>((resolve) => {
          void new Watch(options.kc)
            .watch(
              options.watchPath,
              { ...options.watchQuery },
              () => poke(),
              () => resolve(),
            )
            .then(
              (controller) => {
                watching = controller;
              },
              () => resolve(),
            );
        });
        await ended;
      } catch (err) {
        report('watch', err);
      }
      if (!aborted()) await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  };
  void startWatch();
  signal.addEventListener('abort', () => {
    watching?.abort();
    wake?.();
  });

  const resyncMs = options.resyncMs ?? 1_000;
  while (!signal.aborted) {
    if (dirty) {
      dirty = false;
      try {
        await options.reconcile(await options.list());
        if (lastError) log(`${options.name}: recovered`);
        lastError = '';
      } catch (err) {
        report('reconcile', err);
      }
    }
    // An event that arrived while reconciling is handled at once.
    if (isDirty() || aborted()) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        dirty = true;
        resolve();
      }, resyncMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }
}
