/**
 * The lab's control plane: its own redis-server and `lifeboat serve` as lab services
 * (recorded in services.json, logging to <dir>/logs), tokens generated once per lab,
 * and a small HTTP client for what `lab up|drill|revive` ask of it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './clusters/paths.js';
import { assertPortFree, isListening } from '../util/ports.js';
import { startService } from './processes/index.js';
import { LabServiceError } from './processes/errors.js';

export interface LabTokens {
  admin: string;
  operator: string;
}

export const lifeboatServiceName = 'lifeboat';
export const redisServiceName = 'redis';

/** The lab's tokens: made once, kept in `<dir>/tokens.yaml` (mode 600). */
export async function labTokens(dir: string): Promise<LabTokens> {
  const file = path.join(dir, 'tokens.yaml');
  try {
    const doc = parse(await readFile(file, 'utf8')) as {
      tokens: { name: string; token: string }[];
    };
    const admin = doc.tokens.find((t) => t.name === 'lab-admin')?.token;
    const operator = doc.tokens.find((t) => t.name === 'alertmanager')?.token;
    if (admin && operator) return { admin, operator };
  } catch {
    // not there yet
  }
  const tokens = {
    admin: randomBytes(24).toString('hex'),
    operator: randomBytes(24).toString('hex'),
  };
  await writeFile(
    file,
    stringify({
      tokens: [
        { name: 'lab-admin', role: 'admin', token: tokens.admin },
        { name: 'alertmanager', role: 'operator', token: tokens.operator },
      ],
    }),
    { mode: 0o600 },
  );
  await chmod(file, 0o600);
  return tokens;
}

/** Fails, naming the port and the flag, when the control plane's ports are taken. */
export async function assertControlPlanePorts(
  lifeboatPort: number,
  redisPort: number,
): Promise<void> {
  await assertPortFree(
    '127.0.0.1',
    redisPort,
    "the lab's Redis",
    'choose another with --redis-port',
  );
  await assertPortFree(
    '127.0.0.1',
    lifeboatPort,
    'lifeboat',
    'choose another with --lifeboat-port',
  );
}

/** Starts the lab's redis-server (append-only file on) on 127.0.0.1:`port`. */
export async function startLabRedis(dir: string, port: number): Promise<string> {
  const data = path.join(dir, 'redis');
  // Redis rewrites its command line into its process title: the marker must be in both.
  const marker = `lifeboat-lab-redis-${String(port)}`;
  const { mkdir } = await import('node:fs/promises');
  await mkdir(data, { recursive: true });
  await startService(dir, {
    name: redisServiceName,
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      data,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--proc-title-template',
      `{title} {listen-addr} ${marker}`,
    ],
    marker,
    ready: () => isListening('127.0.0.1', port),
  });
  return `redis://127.0.0.1:${String(port)}`;
}

/** Starts `lifeboat serve` with the repo's GitOps folders and the lab's tokens. */
export async function startLabLifeboat(
  dir: string,
  opts: { port: number; redisUrl: string },
): Promise<string> {
  const url = `http://127.0.0.1:${String(opts.port)}`;
  await startService(dir, {
    name: lifeboatServiceName,
    command: process.execPath,
    args: [
      path.join(repoRoot, 'bin', 'lifeboat.js'),
      'serve',
      '--port',
      String(opts.port),
      '--redis',
      opts.redisUrl,
      '--key-prefix',
      'lab:',
      '--tokens-file',
      path.join(dir, 'tokens.yaml'),
      '--policies-dir',
      'policies',
      '--plans-dir',
      'recovery-plans',
      '--dir',
      path.join('examples', 'ferretdb-percona'),
      `--data-dir=${path.join(dir, 'lifeboat')}`,
    ],
    marker: `--data-dir=${path.join(dir, 'lifeboat')}`,
    cwd: repoRoot,
    ready: async () =>
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    readyTimeoutMs: 60_000,
  });
  return url;
}

/** A minimal client of the lab's lifeboat (the CLI's ApiClient needs its flags; the lab knows its own). */
export class LabApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new LabServiceError(
        `lifeboat answered ${String(res.status)} to ${method} ${p}: ${text.slice(0, 500)}`,
      );
    return JSON.parse(text) as T;
  }
}
