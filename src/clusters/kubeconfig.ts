/**
 * Builds the kubeconfig of one member cluster from its Cluster object: a kubeconfig
 * file on the control plane (`spec.kubeconfig.path`) or one held in a hub Secret
 * (`spec.kubeconfig.secretRef`), narrowed to ONE context (its cluster and user). Each
 * cluster gets its own {@link MemberKubeConfig}; nothing ever switches a shared one
 * between contexts, so one cluster's credentials can never be sent to another.
 *
 * Parsing uses client-node's own entry parsers (`config_types.js`, same field names,
 * defaults and messages as `KubeConfig.loadFromString`) but NOT its `KubeConfig`:
 * importing that loads the whole generated API (~70 MiB of RSS in `lifeboat serve`).
 * Certificates, keys, tokens and basic auth are turned into TLS options and headers
 * here; only users with `exec` or `auth-provider` load client-node's KubeConfig, on
 * first use, to run the plugin exactly as kubectl would.
 *
 * Errors never quote the kubeconfig's content (it holds tokens and keys): they name the
 * file or Secret, the context, and what to fix.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type https from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  newClusters,
  newContexts,
  newUsers,
  type Cluster,
  type Context,
  type User,
} from '@kubernetes/client-node/dist/config_types.js';
import { parse as parseYaml, YAMLParseError } from 'yaml';
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

/** A parsed kubeconfig: every entry, before narrowing. */
interface Parsed {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

function parse(source: string, text: string, baseDir: string | undefined): Parsed {
  try {
    const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
    const parsed: Parsed = {
      clusters: newClusters(doc.clusters),
      users: newUsers(doc.users),
      contexts: newContexts(doc.contexts),
      currentContext: typeof doc['current-context'] === 'string' ? doc['current-context'] : '',
    };
    // As KubeConfig.loadFromFile does: certificate and key paths are relative to the file.
    if (baseDir !== undefined) {
      const abs = (f: string): string => (isAbsolute(f) ? f : join(baseDir, f));
      for (const c of parsed.clusters) if (c.caFile) c.caFile = abs(c.caFile);
      for (const u of parsed.users) {
        if (u.certFile) u.certFile = abs(u.certFile);
        if (u.keyFile) u.keyFile = abs(u.keyFile);
      }
    }
    return parsed;
  } catch (err) {
    // YAML messages quote the offending lines, which may hold a token: keep only the position.
    const line = err instanceof YAMLParseError ? err.linePos?.[0].line : undefined;
    const where = line === undefined ? '' : ` (YAML error near line ${String(line)})`;
    // client-node's entry checks ("clusters[0].cluster.server is missing") quote nothing.
    const known =
      line === undefined && err instanceof Error && /is missing|must be/.test(err.message)
        ? `: ${err.message}`
        : '';
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source} is not a valid kubeconfig${where}${known}; check it with: kubectl config view --kubeconfig <file>`,
    );
  }
}

/** TLS material and headers for requests to one member cluster. */
export interface Credentials {
  tls: https.AgentOptions;
  headers: Record<string, string>;
}

/**
 * One member cluster's kubeconfig: exactly one context, its cluster and its user. The
 * getters mirror client-node's KubeConfig so callers and tests read it the same way.
 */
export class MemberKubeConfig {
  private dynamic: KubeConfig | undefined;

  constructor(
    readonly context: Context,
    readonly cluster: Cluster,
    readonly user: User,
  ) {}

  getCurrentContext(): string {
    return this.context.name;
  }
  getContexts(): Context[] {
    return [this.context];
  }
  getClusters(): Cluster[] {
    return [this.cluster];
  }
  getUsers(): User[] {
    return [this.user];
  }
  getCurrentCluster(): Cluster {
    return this.cluster;
  }
  getCurrentUser(): User {
    return this.user;
  }

  /** True when credentials come from a plugin and must be asked for again now and then. */
  get dynamicAuth(): boolean {
    return Boolean(this.user.exec ?? this.user.authProvider);
  }

  /**
   * TLS options and headers, as client-node's `applyToHTTPSOptions` computes them.
   * Throws KubeconfigError when a file cannot be read or a plugin fails.
   */
  async credentials(): Promise<Credentials> {
    try {
      if (this.dynamicAuth) return await this.pluginCredentials();
      return this.staticCredentials();
    } catch (err) {
      if (err instanceof KubeconfigError) throw err;
      // Messages from exec plugins and file reads; they carry no secret material.
      throw new KubeconfigError(
        'KubeconfigInvalid',
        `the kubeconfig's credentials cannot be loaded: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private staticCredentials(): Credentials {
    const c = this.cluster;
    const u = this.user;
    const tls: https.AgentOptions = {};
    if (c.skipTLSVerify) tls.rejectUnauthorized = false;
    if (c.tlsServerName) tls.servername = c.tlsServerName;
    const ca = fileOrData(c.caFile, c.caData);
    if (ca) tls.ca = ca;
    const cert = fileOrData(u.certFile, u.certData);
    if (cert) tls.cert = cert;
    const key = fileOrData(u.keyFile, u.keyData);
    if (key) tls.key = key;
    const headers: Record<string, string> = {};
    if (u.impersonateUser) headers['Impersonate-User'] = u.impersonateUser;
    if (u.token) headers.Authorization = `Bearer ${u.token}`;
    else if (u.username)
      headers.Authorization = `Basic ${Buffer.from(`${u.username}:${u.password ?? ''}`).toString('base64')}`;
    return { tls, headers };
  }

  /** exec / auth-provider users: client-node runs the plugin (loaded only for them). */
  private async pluginCredentials(): Promise<Credentials> {
    if (!this.dynamic) {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [this.cluster],
        users: [this.user],
        contexts: [this.context],
        currentContext: this.context.name,
      });
      this.dynamic = kc;
    }
    const opts: https.RequestOptions = {};
    await this.dynamic.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
    }
    if (typeof opts.auth === 'string')
      headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const tls: https.AgentOptions = {};
    if (opts.ca !== undefined) tls.ca = opts.ca;
    if (opts.cert !== undefined) tls.cert = opts.cert;
    if (opts.key !== undefined) tls.key = opts.key;
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    if (opts.servername !== undefined) tls.servername = opts.servername;
    return { tls, headers };
  }
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/** Narrows a parsed kubeconfig to one context (its cluster and user). */
function narrow(all: Parsed, source: string, wanted: string | undefined): MemberKubeConfig {
  const contextName = wanted ?? all.currentContext;
  const names = all.contexts.map((c) => c.name);
  if (!contextName) {
    throw new KubeconfigError(
      'ContextNotFound',
      `${source} has no current-context; set spec.kubeconfig.context to one of: ${names.join(', ') || '(none)'}`,
    );
  }
  const context = all.contexts.find((c) => c.name === contextName);
  if (!context) {
    throw new KubeconfigError(
      'ContextNotFound',
      `${source} has no context "${contextName}"; set spec.kubeconfig.context to one of: ${names.join(', ') || '(none)'}`,
    );
  }
  const cluster = all.clusters.find((c) => c.name === context.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source}: context "${contextName}" names cluster "${context.cluster}", which is not in the file`,
    );
  }
  const user = all.users.find((u) => u.name === context.user);
  if (!user) {
    throw new KubeconfigError(
      'KubeconfigInvalid',
      `${source}: context "${contextName}" names user "${context.user}", which is not in the file`,
    );
  }
  return new MemberKubeConfig(context, cluster, user);
}

function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, unknown> | undefined;
  const encoded = data?.[key];
  if (typeof encoded === 'string') return Buffer.from(encoded, 'base64').toString('utf8');
  const plain = (secret.stringData as Record<string, unknown> | undefined)?.[key];
  return typeof plain === 'string' ? plain : undefined;
}

/**
 * The kubeconfig for one Cluster spec, holding exactly one context. Throws
 * {@link KubeconfigError} naming the file or Secret and what to fix.
 */
export async function loadClusterKubeConfig(
  spec: ClusterSpec,
  readSecret: SecretReader,
): Promise<MemberKubeConfig> {
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
    return narrow(parse(source, text, dirname(path)), source, context);
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
  return narrow(parse(source, value, undefined), source, context);
}
