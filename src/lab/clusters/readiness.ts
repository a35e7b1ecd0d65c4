import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabClustersError } from './errors.js';
import { logTail } from './processes.js';

/** What to poll and how to tell that waiting is pointless. */
export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Resolves false once the process being waited for has died. */
  alive: () => Promise<boolean>;
  /** Shown in errors: what is being waited for, e.g. `cluster-1 kube-apiserver`. */
  what: string;
  /** Its log, whose tail goes into the error. */
  log: string;
}

interface Probe {
  url: string;
  ca?: string;
  token?: string;
}

function get(probe: Probe): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(probe.url);
    const headers: Record<string, string> = probe.token
      ? { authorization: `Bearer ${probe.token}` }
      : {};
    const req = (url.protocol === 'https:' ? https : http).get(
      url,
      { ca: probe.ca, headers, timeout: 2_000, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function waitFor(
  probe: Probe,
  ok: (status: number, body: string) => boolean,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const { status, body } = await get(probe);
      if (ok(status, body)) return;
      last = `HTTP ${String(status)}: ${body.slice(0, 400)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (!(await options.alive())) {
      throw new LabClustersError(
        `${options.what} exited while starting; last lines of ${options.log}:\n${await logTail(options.log)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new LabClustersError(
        `${options.what} not ready after ${String(options.timeoutMs / 1000)}s (${probe.url}: ${last}); last lines of ${options.log}:\n${await logTail(options.log)}`,
      );
    }
    await sleep(100);
  }
}

/** Waits until etcd on `clientPort` reports itself healthy. */
export function waitForEtcd(clientPort: number, options: WaitOptions): Promise<void> {
  return waitFor(
    { url: `http://127.0.0.1:${String(clientPort)}/health` },
    (status, body) => status === 200 && body.includes('"health":"true"'),
    options,
  );
}

/** Waits until kube-apiserver at `server` answers `/readyz` with 200 (all its post-start hooks done). */
export function waitForReadyz(
  server: string,
  ca: string,
  token: string,
  options: WaitOptions,
): Promise<void> {
  return waitFor({ url: `${server}/readyz`, ca, token }, (status) => status === 200, options);
}
