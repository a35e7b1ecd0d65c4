/**
 * Renders the haproxy.cfg of cluster-3's `haproxy-config` ConfigMap for the lab's one
 * local HAProxy (pure). Manifests are written for Kubernetes (`bind *:5432`, `server db2
 * ferretdb-2.lab.lifeboat:27017`); on loopback the frontend listens on the lab's fixed
 * port and each server address goes through the lab's hostname table.
 */
import type { Endpoint } from '../topology/hostnames.js';

/** What the rendering maps a manifest onto. */
export interface HaproxyRenderTarget {
  /** Every `bind` of the manifest becomes this address (the lab's entry point). */
  bind: { host: string; port: number };
  /** `host:port` as manifests write them → where that really answers (hostnameTable). */
  hosts: ReadonlyMap<string, Endpoint>;
  /** The admin socket the lab adds in `global` (also lets a reload take over listeners). */
  adminSocket: string;
  /** How long an old worker may keep serving its connections after a reload. Default 1s. */
  hardStopAfter?: string;
}

/** One `server` line as written and as rendered. */
export interface RenderedServer {
  backend: string;
  name: string;
  /** As the manifest wrote it: `ferretdb-2.lab.lifeboat:27017`. */
  from: string;
  /** What HAProxy connects to: `127.0.1.2:27017`. */
  to: string;
  /** The member cluster behind it, when the hostname table knows it. */
  cluster: string | null;
}

/** The rendered configuration and what it points at. */
export interface RenderedHaproxy {
  config: string;
  servers: RenderedServer[];
}

/** The manifest cannot be rendered for the lab; the message says which line and why. */
export class HaproxyRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const loopbackIp = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function splitHostPort(address: string, line: number): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i === -1 || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new HaproxyRenderError(`line ${String(line)}: '${address}' is not host:port`);
  return { host: address.slice(0, i), port };
}

function globalSection(target: HaproxyRenderTarget): string[] {
  return [
    'global',
    // Old workers finish quickly after a reload, so clients reconnect through the new config.
    `    hard-stop-after ${target.hardStopAfter ?? '1s'}`,
    `    stats socket ${target.adminSocket} mode 600 level admin expose-fd listeners`,
  ];
}

/**
 * Renders `manifestConfig` for the lab. Its own `global` section (if any) is replaced by
 * the lab's; `bind` lines become {@link HaproxyRenderTarget.bind}; `server` addresses go
 * through {@link HaproxyRenderTarget.hosts} (loopback IPs pass as they are). Throws
 * {@link HaproxyRenderError} for an address the lab cannot serve.
 */
export function renderHaproxyConfig(
  manifestConfig: string,
  target: HaproxyRenderTarget,
  header = '',
): RenderedHaproxy {
  const out: string[] = [];
  const servers: RenderedServer[] = [];
  let section = '';
  let sectionName = '';
  let binds = 0;
  manifestConfig.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/\s+$/, '');
    const words = text.trim().split(/\s+/);
    const first = words[0] ?? '';
    if (text !== '' && !/^\s/.test(text) && !text.startsWith('#')) {
      section = first;
      sectionName = words[1] ?? '';
    }
    if (section === 'global') return;
    if (first === 'bind' && (section === 'frontend' || section === 'listen')) {
      const address = words[1];
      if (!address) throw new HaproxyRenderError(`line ${String(line)}: bind without an address`);
      splitHostPort(address, line);
      binds++;
      const indent = /^\s*/.exec(text)?.[0] ?? '    ';
      out.push(
        `${indent}bind ${target.bind.host}:${String(target.bind.port)}${words.length > 2 ? ' ' + words.slice(2).join(' ') : ''}`,
      );
      return;
    }
    if (first === 'server' && (section === 'backend' || section === 'listen')) {
      const [, name, address, ...options] = words;
      if (!name || !address)
        throw new HaproxyRenderError(`line ${String(line)}: server needs a name and an address`);
      const { host, port } = splitHostPort(address, line);
      const known = target.hosts.get(`${host}:${String(port)}`);
      let to: string;
      if (known) to = `${known.host}:${String(known.port)}`;
      else if (loopbackIp.test(host)) to = address;
      else
        throw new HaproxyRenderError(
          `line ${String(line)}: server ${name} ${address}: the lab does not know '${address}' (a Service's LoadBalancer hostname not filled yet, or a typo?); it knows ${[...target.hosts.keys()].join(', ')}`,
        );
      servers.push({
        backend: sectionName,
        name,
        from: address,
        to,
        cluster: known?.cluster ?? null,
      });
      const indent = /^\s*/.exec(text)?.[0] ?? '    ';
      out.push(`${indent}server ${name} ${to}${options.length ? ' ' + options.join(' ') : ''}`);
      return;
    }
    out.push(text);
  });
  if (binds === 0)
    throw new HaproxyRenderError(
      'no bind line: the configuration has no frontend for clients to reach',
    );
  const body = out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const config = `${header}${globalSection(target).join('\n')}\n\n${body}\n`;
  return { config, servers };
}

/**
 * The configuration HAProxy starts with before the ConfigMap arrives: the entry point
 * listens (so its port is held and printed) and closes every connection.
 */
export function placeholderHaproxyConfig(target: HaproxyRenderTarget): string {
  return [
    '# lifeboat lab: waiting for ConfigMap psql-operator/haproxy-config in cluster-3',
    ...globalSection(target),
    '',
    'defaults',
    '    mode tcp',
    '    timeout connect 1s',
    '    timeout client 50s',
    '    timeout server 50s',
    '',
    'frontend fe_main',
    `    bind ${target.bind.host}:${String(target.bind.port)}`,
    '    default_backend be_none',
    '',
    'backend be_none',
    '',
  ].join('\n');
}
