/**
 * A RecordBatch v2 that no Tandem code wrote: the check value of the producer reference (§2),
 * which kafka-python's DefaultRecordBatchBuilder reproduces. One record, key null, value "hello",
 * no headers, timestamp 1700000000000, no producer id, no compression: 73 bytes, CRC 0xE641A44B.
 * Valid to produce to any topic, any number of times.
 */
export const REFERENCE_BATCH_HEX =
  '00000000000000000000003dffffffff02e641a44b0000000000000000018bcfe568000000018bcfe56800ffffffffffffffffffffffffffff0000000116000000010a68656c6c6f00';

/** {@link REFERENCE_BATCH_HEX} as bytes (a fresh copy). */
export function referenceBatch(): Buffer {
  return Buffer.from(REFERENCE_BATCH_HEX, 'hex');
}
