/**
 * Builds the `KubeConfig` of one member cluster from its Cluster object: a kubeconfig
 * file on the control plane (`spec.kubeconfig.path`) or one held in a hub Secret
 * (`spec.kubeconfig.secretRef`), narrowed to ONE context with `loadFromOptions`. Each
 * cluster gets its own KubeConfig; nothing ever switches a shared one between contexts,
 * so one cluster's credentials can never be sent to another.
 *
 * Errors never quote the kubeconfig's content (it holds tokens and keys): they name the
 * file or Secret, the context, and what to fix.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSpec } from '../resources/cluster.js';
import type { KubeObject } from '../resources/meta.js';

/** Why a Cluster's kubeconfig cannot be used; `reason` becomes the Ready condition's reason. */
export class KubeconfigError extends Error {
  constructor(
    readonly reason:
      | 'KubeconfigNotFound'
      | 'KubeconfigInvalid'
      | 'ContextNotFound'
      | 'SecretNotFound'
      | 'SecretKeyNotFound',
    message: string,
  ) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/** Reads a Secret from the hub store; undefined when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/** The Secret key a `secretRef` without `key` reads. */
export const DEFAULT_SECRET_KEY = 'kubeconfig';

/** Where the kubeconfig comes from, for messages (never its content). */
export function describeSource(spec: ClusterSpec): string {
  const ref = spec.kubeconfig.secretRef;
  if (ref) return `Secret ${ref.namespace}/${ref.name} key "${ref.key ?? DEFAULT_SECRET_KEY}"`;
  return `file ${spec.kubeconfig.path ?? '?'}`;
}

function parse(source: string, load: (kc: KubeConfig) => void): KubeConfig {
  const scratch = new KubeConfig();
  try {
    load(scratch);
  } catch (err) {
    // js-yaml messages quote the offending lines, which may hold a token: keep only the position.
    const mark = (err as { mark?: { line?: number } }).mark;
    const where =
      mark?.line === undefined ? '' : ` (YAML error near line ${String(mark.line + 1)})`;
    const known =
      err instanceof Error && /is missing|must be/.test(err.message) ? `: ${err.message}` : '';
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source} is not a valid kubeconfig${where}${known}; check it with: kubectl config view --kubeconfig <file>`,
    );
  }
  return scratch;
}

/** Narrows a parsed kubeconfig to one context (its cluster and user) in a fresh KubeConfig. */
function narrow(scratch: KubeConfig, source: string, wanted: string | undefined): KubeConfig {
  const contextName = wanted ?? scratch.getCurrentContext();
  const names = scratch.getContexts().map((c) => c.name);
  if (!contextName) {
    throw new KubeconfigError(
      'ContextNotFound',
      `${source} has no current-context; set spec.kubeconfig.context to one of: ${names.join(', ') || '(none)'}`,
    );
  }
  const context = scratch.getContextObject(contextName);
  if (!context) {
    throw new KubeconfigError(
      'ContextNotFound',
      `${source} has no context "${contextName}"; set spec.kubeconfig.context to one of: ${names.join(', ') || '(none)'}`,
    );
  }
  const cluster = scratch.getCluster(context.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source}: context "${contextName}" names cluster "${context.cluster}", which is not in the file`,
    );
  }
  const user = scratch.getUser(context.user);
  if (!user) {
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source}: context "${contextName}" names user "${context.user}", which is not in the file`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: context.name,
  });
  return kc;
}

function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, unknown> | undefined;
  const encoded = data?.[key];
  if (typeof encoded === 'string') return Buffer.from(encoded, 'base64').toString('utf8');
  const plain = (secret.stringData as Record<string, unknown> | undefined)?.[key];
  return typeof plain === 'string' ? plain : undefined;
}

/**
 * The KubeConfig for one Cluster spec, holding exactly one context. Throws
 * {@link KubeconfigError} naming the file or Secret and what to fix.
 */
export async function loadClusterKubeConfig(
  spec: ClusterSpec,
  readSecret: SecretReader,
): Promise<KubeConfig> {
  const source = describeSource(spec);
  const { path, secretRef, context } = spec.kubeconfig;
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      throw new KubeconfigError(
        'KubeconfigNotFound',
        `cannot read kubeconfig ${source} (${code}); fix spec.kubeconfig.path (it is read on the control plane's filesystem)`,
      );
    }
    const scratch = parse(source, (kc) => {
      kc.loadFromString(text);
      // As loadFromFile does: certificate and key paths are relative to the file's folder.
      kc.makePathsAbsolute(dirname(path));
    });
    return narrow(scratch, source, context);
  }
  if (secretRef === undefined) {
    throw new KubeconfigError(
      'KubeconfigInvalid',
      'set spec.kubeconfig.path or spec.kubeconfig.secretRef',
    );
  }
  const secret = await readSecret(secretRef.namespace, secretRef.name);
  if (!secret) {
    throw new KubeconfigError(
      'SecretNotFound',
      `Secret ${secretRef.namespace}/${secretRef.name} is not on the control plane; apply it, or fix spec.kubeconfig.secretRef`,
    );
  }
  const key = secretRef.key ?? DEFAULT_SECRET_KEY;
  const value = secretValue(secret, key);
  if (value === undefined) {
    const keys = Object.keys({
      ...(secret.data as object | undefined),
      ...(secret.stringData as object | undefined),
    });
    throw new KubeconfigError(
      'SecretKeyNotFound',
      `Secret ${secretRef.namespace}/${secretRef.name} has no key "${key}" (it has: ${keys.join(', ') || 'none'}); fix spec.kubeconfig.secretRef.key`,
    );
  }
  return narrow(
    parse(source, (kc) => kc.loadFromString(value)),
    source,
    context,
  );
}
