/**
 * Records as the independent readers report them, so that what kcat and the Java consumer read
 * can be compared with each other and with what Tandem was asked to send.
 */

/** How a record's timestamp was set: by the producer, or by the broker on append. */
export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';

/** One record read back, with its bytes exactly as stored: null and empty stay distinct. */
export interface ReadRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
  /** In order, duplicates kept; a header value may be null. */
  headers: Array<[string, Buffer | null]>;
}

/** Options shared by the readers. */
export interface ReadOptions {
  /**
   * Stop after this many records (and wait for them until `timeoutMs`). Without it, read up to
   * the end of the topic as it is when the reader starts.
   */
  count?: number;
  /** Give up after this long (a {@link ReadTimeoutError} carries what was read). Default 30 s. */
  timeoutMs?: number;
  /**
   * Default `read_uncommitted`, the Java consumer's default, for both readers (librdkafka's own
   * default is read_committed). Tests of transactions say which one they mean.
   */
  isolation?: 'read_committed' | 'read_uncommitted';
  /** Read only this partition. Default: all partitions of the topic. */
  partition?: number;
}
