/**
 * @tandem/producer: the application-thread API of Tandem.
 */
export * from './errors.js';
export * from './partitioner/index.js';
export * from './config/index.js';
export * from './serializers.js';
export { KafkaProducer, type CloseOptions } from './kafka-producer.js';
export type { ProducerRecord, RecordMetadata, SendCallback, RecordHeaders, HeaderValue } from './record.js';
export type { PartitionInfo } from '@tandem/shared-memory';
export type { TransactionOffset, ConsumerGroupMetadata, TransactionState, TransactionOperation } from './transactions/producer-transactions.js';
