/**
 * Checking the arguments every codec shares: the KIP-390 level, the headroom of `compress` and
 * the output cap of `decompress`. Misuse by the caller is a RangeError (a programming or
 * configuration mistake); bad bytes from the wire are a ProtocolError.
 */
import { constants as bufferConstants } from 'node:buffer';
import { ProtocolError } from '../errors.js';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressOptions,
  type CompressionLevelRange,
  type CompressionName,
} from './types.js';

/**
 * Returns the level to compress with: `range.default` when `level` is undefined, else `level`
 * itself once checked against the range Java's config validator enforces.
 *
 * @throws RangeError naming the config key and the allowed values.
 */
export function resolveLevel(range: CompressionLevelRange, level: number | undefined): number {
  if (level === undefined) return range.default;
  if (Number.isInteger(level) && ((level >= range.min && level <= range.max) || range.extra.includes(level))) {
    return level;
  }
  const extra = range.extra.length > 0 ? ` or ${range.extra.join(', ')}` : '';
  throw new RangeError(
    `${range.configKey} must be an integer between ${range.min} and ${range.max}${extra} ` +
      `(default ${range.default}), got ${String(level)}`,
  );
}

/** The headroom of {@link CompressOptions}, checked. */
export function headroomOf(options: CompressOptions | undefined): number {
  const headroom = options?.headroom ?? 0;
  if (!Number.isInteger(headroom) || headroom < 0 || headroom > 1 << 20) {
    throw new RangeError(`headroom must be an integer between 0 and ${1 << 20}, got ${String(headroom)}`);
  }
  return headroom;
}

/** The `maxOutputBytes` argument of `decompress`, defaulted and checked. */
export function maxOutputOf(maxOutputBytes: number | undefined): number {
  const max = maxOutputBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(max) || max < 0 || max > bufferConstants.MAX_LENGTH) {
    throw new RangeError(
      `maxOutputBytes must be an integer between 0 and ${bufferConstants.MAX_LENGTH}, got ${String(max)}`,
    );
  }
  return max;
}

/** The ProtocolError of a stream that decompresses (or declares it would) to more than the cap. */
export function outputTooLarge(codec: CompressionName, size: number | string, max: number): ProtocolError {
  return new ProtocolError(
    'ERR_TANDEM_PROTOCOL_INVALID',
    `${codec} stream decompresses to ${size} bytes, more than maxOutputBytes (${max})`,
  );
}

/** The ProtocolError of input that ended inside the codec's framing. */
export function truncatedStream(codec: CompressionName, what: string): ProtocolError {
  return new ProtocolError('ERR_TANDEM_PROTOCOL_TRUNCATED', `${codec} stream truncated: ${what}`);
}

/** The ProtocolError of a corrupt stream, keeping the native library's message as the cause. */
export function corruptStream(codec: CompressionName, what: string, cause?: unknown): ProtocolError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  const err = new ProtocolError('ERR_TANDEM_PROTOCOL_CORRUPT', `${codec} stream corrupt: ${what}${detail}`);
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true });
  return err;
}

/** A Buffer view of `input` without copying (a Uint8Array over any ArrayBuffer, even shared). */
export function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}
