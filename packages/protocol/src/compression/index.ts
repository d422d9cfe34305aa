/**
 * Compression codecs of RecordBatch v2, with the framing the Java client writes.
 * Look a codec up with {@link codecFor} (attributes id) or {@link codecByName} (config name).
 */
export * from './types.js';
export { codecFor, codecByName, codecs, preloadCodec } from './registry.js';
export { resolveLevel } from './options.js';
export { none } from './none.js';
export { gzip, GZIP_LEVELS } from './gzip.js';
export { snappy, SNAPPY_BLOCK_SIZE } from './snappy.js';
export { lz4, LZ4_LEVELS, LZ4_BLOCK_SIZE } from './lz4.js';
export { zstd, ZSTD_LEVELS } from './zstd.js';
export { xxhash32 } from './xxhash32.js';
