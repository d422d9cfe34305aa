/**
 * @tandem/protocol: the Kafka wire protocol as pure functions and types.
 * No sockets, threads or timers live here.
 */
export * from './errors.js';
export * from './primitives/varint.js';
export { Writer, compactLengthSize } from './primitives/writer.js';
export { Reader } from './primitives/reader.js';
export * from './compression/index.js';
export * from './record/index.js';
export * from './crc32c.js';
export * from './error-codes.js';
export * from './api/index.js';
