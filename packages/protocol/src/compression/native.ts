/**
 * Lazy loading of the native codec libraries.
 *
 * The application thread imports @tandem/protocol for the record format but never compresses
 * (the Sender worker does), so no native addon is loaded until a codec is first used: importing
 * the package stays cheap, and a platform without one prebuilt addon can still use the others.
 */
import { createRequire } from 'node:module';
import { ProtocolError } from '../errors.js';
import type { CompressionName } from './types.js';

const require = createRequire(import.meta.url);

/**
 * Returns a loader that requires `pkg` on first call and caches it. A failure to load throws a
 * ProtocolError (`ERR_TANDEM_PROTOCOL_UNSUPPORTED`) naming the codec and the package, with the
 * loader's error as `cause`, and is retried on the next call.
 */
export function lazyNative<T>(codec: CompressionName, pkg: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    try {
      loaded = require(pkg) as T;
      return loaded;
    } catch (cause) {
      const err = new ProtocolError(
        'ERR_TANDEM_PROTOCOL_UNSUPPORTED',
        `the ${codec} codec needs the native package ${pkg}, which failed to load on ` +
          `${process.platform}-${process.arch} (Node ${process.versions.node}): ${(cause as Error).message}`,
      );
      Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true });
      throw err;
    }
  };
}
