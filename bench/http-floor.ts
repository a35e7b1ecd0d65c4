/**
 * bench/http-floor: what an *empty* JSON POST handler answers on this machine, under
 * express and on plain node:http — the ceiling any webhook behind either can reach, and
 * why lifeboat serves the Alertmanager webhook on node:http (src/api/fast-path.ts).
 * The handler parses a one-alert body and answers a small JSON object; no Redis.
 * Load: 16 keep-alive connections from this process.
 *
 * Run: npx tsx bench/http-floor.ts [--requests 20000]
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import { printRows } from './support/stats.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    requests: { type: 'string', default: '20000' },
  },
});

function answer(body: Buffer): string {
  const parsed = JSON.parse(body.toString('utf8')) as { alerts: unknown[] };
  return JSON.stringify({ kind: 'AlertReceipt', received: parsed.alerts.length, runsStarted: [] });
}

/** The child: one server of the given kind, printing its port to the parent. */
function serve(kind: string): void {
  let server: http.Server;
  if (kind === 'express') {
    const app = express();
    app.set('etag', false);
    app.post('/webhook', express.raw({ type: () => true, limit: 1 << 20 }), (req, res) => {
      res
        .status(202)
        .type('application/json')
        .send(answer(req.body as Buffer));
    });
    server = http.createServer(app);
  } else {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = answer(Buffer.concat(chunks));
        res.writeHead(202, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    });
  }
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send?.(typeof addr === 'object' && addr ? addr.port : 0);
  });
}

async function measure(kind: string, requests: number): Promise<number> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', kind], {
    execArgv: ['--import', 'tsx'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve(Number(m))),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const body = JSON.stringify({
    version: '4',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'X' }, startsAt: new Date().toISOString() }],
  });
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhook',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          if (res.statusCode !== 202) reject(new Error(`${kind}: ${String(res.statusCode)}`));
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (let i = 0; i < 1000; i++) await post(); // warm-up
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < requests) await post();
    }),
  );
  const rate = requests / ((performance.now() - t0) / 1000);
  agent.destroy();
  child.kill();
  return rate;
}

if (values.server) serve(values.server);
else {
  const requests = Number(values.requests);
  const viaExpress = await measure('express', requests);
  const viaNode = await measure('node', requests);
  printRows(
    `bench/http-floor — empty JSON POST handler, ${String(requests)} requests, 16 connections`,
    [
      { what: 'express 5', value: `${viaExpress.toFixed(0)}/s` },
      { what: 'node:http', value: `${viaNode.toFixed(0)}/s` },
      { what: 'node:http / express', value: `${(viaNode / viaExpress).toFixed(2)}×` },
    ],
  );
}
