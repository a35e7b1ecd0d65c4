/**
 * HTTP to one member cluster's API server: JSON text in, JSON text out, over a
 * keep-alive agent built once from the cluster's KubeConfig.
 *
 * Why not `KubernetesObjectApi` for the traffic (ADR 0005): in @kubernetes/client-node
 * 1.4 it builds a new https.Agent for every request (a TLS handshake per call), and it
 * round-trips built-in kinds through its generated models, which silently drop fields
 * the models do not know and rewrite timestamps. Propagation must send exactly the
 * manifest it hashed. The {@link MemberKubeConfig} supplies the server, the TLS material
 * and the Authorization header, including exec / auth-provider tokens.
 */
import http from 'node:http';
import https from 'node:https';
import { KubeconfigError, type MemberKubeConfig } from './kubeconfig.js';
import { errorFromFailure } from './status-errors.js';

/** An HTTP answer, any status. */
export interface HttpAnswer {
  status: number;
  body: string;
}

export interface RequestOptions {
  body?: string;
  contentType?: string;
  /** Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TransportOptions {
  /** Connections kept per cluster for ordinary requests (watches use their own). Default 32. */
  maxSockets?: number;
}

/** Dynamic credentials (exec plugins, auth providers) are asked again at most this often. */
const AUTH_REFRESH_MS = 60_000;

export class ClusterTransport {
  /** The API server URL, for messages. */
  readonly server: string;
  private readonly hostname: string;
  private readonly prefix: string;
  private readonly port: number;
  private readonly client: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly watchAgent: http.Agent;
  private headers: Record<string, string>;
  private headersAt = Date.now();

  private constructor(
    readonly cluster: string,
    private readonly kc: MemberKubeConfig,
    base: URL,
    tls: https.AgentOptions,
    headers: Record<string, string>,
    private readonly dynamicAuth: boolean,
    opts: TransportOptions,
  ) {
    this.server = base.toString().replace(/\/$/, '');
    // [::1] → ::1, as http.request wants it.
    this.hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
    this.prefix = base.pathname.replace(/\/$/, '');
    this.port = Number(base.port) || (base.protocol === 'https:' ? 443 : 80);
    this.headers = headers;
    const secure = base.protocol === 'https:';
    this.client = secure ? https : http;
    const common = { keepAlive: true, scheduling: 'lifo' as const };
    const maxSockets = opts.maxSockets ?? 32;
    this.agent = secure
      ? new https.Agent({ ...tls, ...common, maxSockets, maxFreeSockets: maxSockets })
      : new http.Agent({ ...common, maxSockets, maxFreeSockets: maxSockets });
    this.watchAgent = secure ? new https.Agent({ ...tls, keepAlive: false }) : new http.Agent();
  }

  /** Builds the transport; throws KubeconfigError for kubeconfigs it cannot serve. */
  static async create(
    cluster: string,
    kc: MemberKubeConfig,
    opts: TransportOptions = {},
  ): Promise<ClusterTransport> {
    const current = kc.getCurrentCluster();
    if (current.proxyUrl) {
      throw new KubeconfigError(
        'KubeconfigInvalid',
        `cluster "${current.name}" uses proxy-url, which lifeboat does not support yet; reach the API server directly`,
      );
    }
    let base: URL;
    try {
      base = new URL(current.server);
    } catch {
      throw new KubeconfigError(
        'KubeconfigInvalid',
        `cluster "${current.name}" has server "${current.server}", which is not a URL`,
      );
    }
    if (base.protocol === 'http:' && !current.skipTLSVerify) {
      throw new KubeconfigError(
        'KubeconfigInvalid',
        `cluster "${current.name}" uses plain http; use https, or set insecure-skip-tls-verify: true to accept it`,
      );
    }
    const { tls, headers } = await kc.credentials();
    return new ClusterTransport(cluster, kc, base, tls, headers, kc.dynamicAuth, opts);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.dynamicAuth && Date.now() - this.headersAt > AUTH_REFRESH_MS) {
      this.headers = (await this.kc.credentials()).headers;
      this.headersAt = Date.now();
    }
    return this.headers;
  }

  /** Request options for `path` (plain fields, not a URL object: this runs per request). */
  private target(path: string): { hostname: string; port: number; path: string } {
    return { hostname: this.hostname, port: this.port, path: `${this.prefix}${path}` };
  }

  /**
   * Sends one request and returns the answer, whatever its status. Throws
   * MemberClusterError (code 0) only when no answer came.
   */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = {
      ...(await this.authHeaders()),
      accept: 'application/json',
    };
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const what = `${method} ${path.split('?')[0] ?? path}`;
    try {
      return await new Promise<HttpAnswer>((resolve, reject) => {
        const req = this.client.request(
          { ...this.target(path), method, headers, agent: this.agent, signal: opts.signal },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        const timeoutMs = opts.timeoutMs ?? 30_000;
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`no answer within ${String(timeoutMs)} ms`)),
        );
        req.on('error', reject);
        req.end(opts.body);
      });
    } catch (err) {
      throw errorFromFailure(this.cluster, err, what);
    }
  }

  /**
   * Streams a long GET (a watch) line by line until the server ends it or `signal`
   * aborts. A non-2xx answer is returned as `status`/`body` with no lines delivered.
   * `idleMs`: the stream is cut when nothing arrives for that long.
   */
  async stream(
    path: string,
    onLine: (line: string) => void,
    signal: AbortSignal,
    idleMs: number,
  ): Promise<HttpAnswer> {
    const headers = { ...(await this.authHeaders()), accept: 'application/json' };
    try {
      return await new Promise<HttpAnswer>((resolve, reject) => {
        const req = this.client.request(
          { ...this.target(path), method: 'GET', headers, agent: this.watchAgent, signal },
          (res) => {
            const status = res.statusCode ?? 0;
            let pending = '';
            const chunks: string[] = [];
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              if (status < 200 || status > 299) {
                chunks.push(chunk);
                return;
              }
              pending += chunk;
              let nl = pending.indexOf('\n');
              while (nl >= 0) {
                const line = pending.slice(0, nl);
                pending = pending.slice(nl + 1);
                if (line.trim()) onLine(line);
                nl = pending.indexOf('\n');
              }
            });
            res.on('end', () => {
              if (pending.trim() && status >= 200 && status <= 299) onLine(pending);
              resolve({ status, body: chunks.join('') });
            });
            res.on('error', reject);
          },
        );
        req.setTimeout(idleMs, () => req.destroy(new Error(`watch idle for ${String(idleMs)} ms`)));
        req.on('error', reject);
        req.end();
      });
    } catch (err) {
      throw errorFromFailure(this.cluster, err, `watch ${path.split('?')[0] ?? path}`);
    }
  }

  /** Closes every connection. */
  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}
