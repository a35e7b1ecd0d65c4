import http from 'node:http';
import { LabServiceError } from '../processes/errors.js';
import { formatMetrics } from './text.js';
import type { Sample } from './text.js';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on `host:port`, collecting fresh samples
 * on every scrape. It runs inside a cluster's agent process, so it dies with its cluster:
 * Prometheus then sees `up == 0` for that cluster's job.
 */
export function startMetricsServer(options: {
  host: string;
  port: number;
  collect: () => Promise<Sample[]>;
}): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics\n');
      return;
    }
    options.collect().then(
      (samples) => {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
          .end(formatMetrics(samples));
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new LabServiceError(
              `port ${options.host}:${String(options.port)} (a lab /metrics endpoint) is in use by another process; stop it or choose another with --metrics-port`,
            )
          : err,
      );
    });
    server.listen({ host: options.host, port: options.port }, () => {
      resolve({
        url: `http://${options.host}:${String(options.port)}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
