import net from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 (free now; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('the kernel gave no port for 127.0.0.1:0'));
      });
    });
  });
}

/** `count` distinct free loopback ports, none of them in `taken`. */
export async function freePorts(
  count: number,
  taken: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (!taken.has(port)) ports.add(port);
  }
  return [...ports];
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
