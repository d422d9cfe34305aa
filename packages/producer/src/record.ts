/**
 * What a user hands to send() and what they get back.
 */
import type { RecordHeaders } from './accumulator/record-appender.js';

export type { HeaderValue, RecordHeaders } from './accumulator/record-appender.js';

/**
 * A record to send. `K` and `V` are what the configured key and value serializers take
 * (by default: string, Buffer/Uint8Array or null).
 *
 * @example
 * ```ts
 * await producer.send({ topic: 'orders', key: 'customer-42', value: JSON.stringify(order),
 *   headers: { source: 'checkout' } });
 * ```
 */
export interface ProducerRecord<K = unknown, V = unknown> {
  readonly topic: string;
  readonly value: V;
  readonly key?: K;
  /** An explicit partition: wins over any partitioner. */
  readonly partition?: number;
  /** Record timestamp (ms since the epoch, CreateTime); defaults to now. */
  readonly timestamp?: number;
  readonly headers?: RecordHeaders;
}

/** Where an acknowledged record landed, as Java's RecordMetadata. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset, or -1 when unknown (acks=0). */
  readonly offset: number;
  /** CreateTime given or assigned at send, or the broker's LogAppendTime for such topics. */
  readonly timestamp: number;
  /** Bytes of the serialized key, -1 for a null key. */
  readonly serializedKeySize: number;
  /** Bytes of the serialized value, -1 for a null value. */
  readonly serializedValueSize: number;
}

/**
 * A completion callback, Node style: `error` is null on success. Called exactly once per record,
 * on the application thread, with no promise created for the send.
 */
export type SendCallback = (error: Error | null, metadata: RecordMetadata | null) => void;
