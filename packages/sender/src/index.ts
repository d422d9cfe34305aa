/**
 * @tandem/sender: the Sender worker. Applications do not import this package: @tandem/producer
 * starts its worker entry (`@tandem/sender/worker`) in a Worker thread.
 */
export { Sender } from './sender.js';
export { BrokerConnection, NetworkError } from './network/broker-connection.js';
export { NetworkClient, connectionSetupTimeout, reauthenticationTime } from './network/network-client.js';
export { SaslMechanismError, startSaslExchange, type SaslExchange } from './network/sasl-mechanisms.js';
export { ClusterMetadata, TopicMetadata } from './metadata/cluster-metadata.js';
export { TransactionManager, type TransactionHost, type TransactionSettings } from './transactions/transaction-manager.js';
export { ProducerBatch } from './accumulator/producer-batch.js';
export { PartitionQueue } from './accumulator/record-accumulator.js';
export {
  MAX_PRODUCER_EPOCH,
  bumpedEpoch,
  mayNumberNewBatch,
  restartSequences,
  sequenceErrorVerdict,
  type SequenceErrorContext,
  type SequenceVerdict,
} from './transactions/idempotence.js';
