/**
 * The part of the resolved configuration the Sender worker needs, as plain cloneable data
 * (`SenderConfig` of @tandem/shared-memory): the worker gets it through the control channel, where
 * functions and class instances (serializers, partitioners, interceptors) cannot go.
 */
import type { SenderConfig } from '@tandem/shared-memory';
import type { CompressionType, ResolvedProducerConfig } from './types.js';

/** RecordBatch v2 attribute codec ids (bits 0-2), by `compression.type`. */
export const COMPRESSION_IDS: Readonly<Record<CompressionType, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
});

/**
 * Extracts the {@link SenderConfig} from a resolved configuration.
 *
 * `compressionLevel` is the chosen codec's KIP-390 level when it differs from the codec's default
 * (gzip -1, lz4 9, zstd 3), else undefined, so the codec can keep its own fast default path.
 *
 * @param config - a configuration from `resolveProducerConfig`.
 */
export function toSenderConfig(config: ResolvedProducerConfig): SenderConfig {
  const type = config['compression.type'];
  let compressionLevel: number | undefined;
  if (type === 'gzip' && config['compression.gzip.level'] !== -1) compressionLevel = config['compression.gzip.level'];
  else if (type === 'lz4' && config['compression.lz4.level'] !== 9) compressionLevel = config['compression.lz4.level'];
  else if (type === 'zstd' && config['compression.zstd.level'] !== 3) compressionLevel = config['compression.zstd.level'];
  return {
    bootstrapServers: config['bootstrap.servers'].map(({ host, port }) =>
      host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    ),
    clientId: config['client.id'],
    acks: config.acks,
    lingerMs: config['linger.ms'],
    requestTimeoutMs: config['request.timeout.ms'],
    deliveryTimeoutMs: config['delivery.timeout.ms'],
    retries: config.retries,
    retryBackoffMs: config['retry.backoff.ms'],
    retryBackoffMaxMs: config['retry.backoff.max.ms'],
    maxInFlightRequestsPerConnection: config['max.in.flight.requests.per.connection'],
    maxRequestSize: config['max.request.size'],
    maxBlockMs: config['max.block.ms'],
    compressionId: COMPRESSION_IDS[type],
    compressionLevel,
    enableIdempotence: config['enable.idempotence'],
    transactionalId: config['transactional.id'],
    transactionTimeoutMs: config['transaction.timeout.ms'],
    metadataMaxAgeMs: config['metadata.max.age.ms'],
    metadataMaxIdleMs: config['metadata.max.idle.ms'],
    reconnectBackoffMs: config['reconnect.backoff.ms'],
    reconnectBackoffMaxMs: config['reconnect.backoff.max.ms'],
    socketConnectionSetupTimeoutMs: config['socket.connection.setup.timeout.ms'],
    socketConnectionSetupTimeoutMaxMs: config['socket.connection.setup.timeout.max.ms'],
    connectionsMaxIdleMs: config['connections.max.idle.ms'],
    security: config.security,
  };
}
