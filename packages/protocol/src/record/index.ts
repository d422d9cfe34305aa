/**
 * RecordBatch v2 (magic 2): the per-record encoder of the send() path, the batch header the
 * Sender writes in front of finished records, a whole-batch builder and a bounded reader.
 */
export {
  type RecordHeader,
  headersSize,
  recordBodySize,
  recordSize,
  recordSizeUtf8,
  utf8Length,
  writeRecord,
  writeRecordUtf8,
  writeRecordWithin,
} from './record.js';
export {
  type BatchHeader,
  BatchAttributes,
  BatchOffsets,
  LOG_OVERHEAD,
  MAGIC_V2,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  batchAttributes,
  writeBatchHeader,
  writeBatchHeaderForRecords,
} from './batch-header.js';
export { type BuildRecordBatchOptions, type RecordInput, buildRecordBatch } from './builder.js';
export {
  type DecodeRecordBatchesOptions,
  type DecodedHeader,
  type DecodedRecord,
  type DecodedRecordBatch,
  type RecordBase,
  MIN_RECORD_SIZE,
  decodeRecordBatch,
  decodeRecordBatches,
  decodeRecords,
} from './reader.js';
