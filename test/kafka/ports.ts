import { createServer } from 'node:net';
import { BrokerStartError } from './errors.js';

/**
 * Loopback ports for brokers. Free ports are found by binding port 0 and letting the kernel
 * choose; the tiny window between our close and the broker's bind is not worth a cleverer
 * scheme (the broker would fail to bind and the start would report it).
 */

/** A port that nothing listens on at `host` right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Checks that `host:port` can be bound, so that a fixed port that is taken fails at once with a
 * clear message instead of as a broker that dies during startup.
 *
 * @throws BrokerStartError `port-in-use`.
 */
export function assertPortFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        reject(
          new BrokerStartError(
            'port-in-use',
            `${what} port ${host}:${port} is ${error.code === 'EACCES' ? 'not allowed' : 'already in use by another process'}: pick another --port, or omit it for a free one`,
          ),
        );
      } else {
        reject(error);
      }
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
