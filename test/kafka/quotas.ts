import { runJava } from './java.js';
import { defaultKafkaVersion, toolClasses } from './versions.js';

/**
 * Sets a produce byte-rate quota (bytes per second) for a client.id with Kafka's own
 * ConfigCommand, so the broker throttles that client: it answers with a throttle time and, from
 * Produce v6 (KIP-219), expects the client to wait that long before its next request.
 *
 * @example
 * ```ts
 * await setProducerQuota(kafka.bootstrap, 'slow-client', 50_000);
 * ```
 */
export async function setProducerQuota(bootstrap: string, clientId: string, bytesPerSecond: number, version = defaultKafkaVersion()): Promise<void> {
  await runJava(
    toolClasses(version).configCommand,
    ['--bootstrap-server', bootstrap, '--alter', '--add-config', `producer_byte_rate=${bytesPerSecond}`, '--entity-type', 'clients', '--entity-name', clientId],
    { version },
  );
}
