/**
 * The application thread's half of the shared accumulator, exported as
 * `@tandem/producer/accumulator` for Tandem's own micro benchmarks only: not a public API, and
 * free to change with any release.
 */
export { AppendResult, RecordAppender, type AppendTarget } from './record-appender.js';
export { DeliveryTracker, type ErrorFactory, type Settler } from './delivery-tracker.js';
export { PartitionLoad } from './partition-load.js';
// What a benchmark needs to play the Sender's part in the same thread.
export {
  AnnounceEvent,
  BATCH_HEADER_SIZE,
  COMMITTED_MASK,
  CompletionWord,
  SharedLayout,
  SlabWord,
  storeInt64,
} from '@tandem/shared-memory';
