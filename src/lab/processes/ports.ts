import net from 'node:net';
import { LabServiceError } from './errors.js';

/** Resolves true when `host:port` can be bound now (nothing else holds it). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails with a message naming the port, what the lab wanted it for and how to pick another
 * (`hint`, e.g. `--haproxy-port`) when `host:port` is taken.
 */
export async function assertPortFree(
  host: string,
  port: number,
  what: string,
  hint: string,
): Promise<void> {
  if (!(await canBind(host, port))) {
    throw new LabServiceError(
      `port ${host}:${String(port)} (${what}) is in use by another process: stop that process (ss -ltnp 'sport = :${String(port)}' shows it), or ${hint}`,
    );
  }
}

/** True when something accepts TCP connections on `host:port`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A free TCP port on `host` (free now; bind it soon). */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`the kernel gave no port for ${host}:0`));
      });
    });
  });
}
