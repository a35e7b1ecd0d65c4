/** Starts the HTTP API on host:port and closes it gracefully. */
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { fastPathsOf } from './app.js';

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Express, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    // The app's fast paths (the alert webhook) first; everything else through express.
    const fast = fastPathsOf(app);
    const server = createServer((req, res) => {
      if (!fast.some((f) => f(req, res))) app(req, res);
    }).listen(port, host);
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new Error(`port ${port} on ${host} is already in use; pick another with --port`));
      else reject(err);
    });
    server.once('listening', () => {
      const addr = server.address();
      const actual = addr && typeof addr === 'object' ? addr.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        port: actual,
        url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
