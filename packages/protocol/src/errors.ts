/**
 * Errors raised by the codecs themselves (as opposed to error codes a broker returns, which live
 * in `error-codes.ts`). Every decoder failure is a {@link ProtocolError}: callers match on `code`,
 * never on message text.
 */

/** Stable machine-readable codes of {@link ProtocolError}. */
export type ProtocolErrorCode =
  /** The input ended before the value being read. */
  | 'ERR_TANDEM_PROTOCOL_TRUNCATED'
  /** A length, count or varint is outside what the protocol allows. */
  | 'ERR_TANDEM_PROTOCOL_INVALID'
  /** A CRC did not match the bytes it covers. */
  | 'ERR_TANDEM_PROTOCOL_CORRUPT'
  /** The API, version, codec or magic is not one this library speaks. */
  | 'ERR_TANDEM_PROTOCOL_UNSUPPORTED';

/**
 * A malformed, truncated or unsupported byte string met by an encoder or decoder of
 * `@tandem/protocol`. Decoders throw only this (never a RangeError from Buffer), and never
 * allocate more than the input could justify.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Shorthand for the most common decoder failure. */
export function truncated(what: string, need: number, have: number): ProtocolError {
  return new ProtocolError(
    'ERR_TANDEM_PROTOCOL_TRUNCATED',
    `truncated input reading ${what}: needed ${need} byte(s), ${have} left`,
  );
}

/** Shorthand for a value outside the protocol's bounds. */
export function invalid(message: string): ProtocolError {
  return new ProtocolError('ERR_TANDEM_PROTOCOL_INVALID', message);
}
