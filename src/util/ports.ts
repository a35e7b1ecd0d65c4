/**
 * TCP ports on loopback: free ones asked of the kernel (bind to port 0), never guessed;
 * whether one can be bound or answers; and a clear error when one is taken.
 */
import net from 'node:net';

/** A free TCP port on `host` (free now; the caller binds it soon after). */
export function freePort(host = '127.0.0.1'): Promise<number> {
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

/** `count` distinct free ports on `host`, none of them in `taken`. */
export async function freePorts(
  count: number,
  taken: ReadonlySet<number> = new Set(),
  host = '127.0.0.1',
): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort(host);
    if (!taken.has(port)) ports.add(port);
  }
  return [...ports];
}

/** Resolves true when `host:port` can be bound now (nothing else holds it). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
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

/** A port something else holds; the message names it, what it was for, and the way out. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    what: string,
    hint: string,
  ) {
    super(
      `port ${host}:${String(port)} (${what}) is in use by another process: stop that process (ss -ltnp 'sport = :${String(port)}' shows it), or ${hint}`,
    );
    this.name = this.constructor.name;
  }
}

/**
 * Fails with a {@link PortInUseError} naming the port, what it is wanted for and how to
 * pick another (`hint`, e.g. `choose another with --haproxy-port`) when `host:port` is taken.
 */
export async function assertPortFree(
  host: string,
  port: number,
  what: string,
  hint: string,
): Promise<void> {
  if (!(await canBind(host, port))) throw new PortInUseError(host, port, what, hint);
}
