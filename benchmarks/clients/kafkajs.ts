/**
 * KafkaJS's driver.
 *
 * KafkaJS has no per-record send: `producer.send({ topic, messages })` takes an array and makes
 * one Produce request of it, and every call costs a Promise and a request. Sending records one
 * call each would measure that misuse, not KafkaJS, so this driver does what a KafkaJS
 * application that cares about throughput does: it gathers the records handed to it during one
 * turn of the event loop and sends them in one call on the next turn (or at once, when they
 * reach 1 MiB of payload, Java's max.request.size). Each record's latency still runs from the
 * moment the application handed it over to the moment KafkaJS resolved the call that carried it.
 *
 * Compression: KafkaJS ships gzip only, and its lz4/zstd/snappy plugins are third-party
 * packages, mostly unmaintained or native with prebuilt downloads. The driver registers
 * @tandem/protocol's codecs as KafkaJS codecs instead: the same frames, the same native
 * libraries Tandem uses, so a codec never decides a comparison between the two.
 *
 * Properties: acks, compression.type, enable.idempotence, max.in.flight.requests.per.connection,
 * request.timeout.ms, client.id are mapped; KafkaJS has no equivalent of the others (linger.ms,
 * batch.size, buffer.memory, ...), which are listed in the report's notes.
 */
import { codecByName } from '@tandem/protocol';
import type { Workload } from '../perf/workload.js';
import { booleanProp, integerProp, type AckCallback, type ProducerDriver } from './driver.js';
import { peerVersion, requirePeer } from './peers.js';

/** The parts of the kafkajs module the driver uses (the package's own types are not compiled against). */
interface KafkaJsModule {
  Kafka: new (config: Record<string, unknown>) => { producer(config: Record<string, unknown>): KafkaJsProducer };
  CompressionTypes: Record<'None' | 'GZIP' | 'Snappy' | 'LZ4' | 'ZSTD', number>;
  CompressionCodecs: Record<number, () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> }>;
  logLevel: Record<'NOTHING' | 'ERROR' | 'WARN', number>;
}
interface KafkaJsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(request: { topic: string; acks: number; compression: number; timeout?: number; messages: Array<{ value: Buffer }> }): Promise<unknown>;
}

/** One Produce call carries at most this many payload bytes: Java's max.request.size. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** The keys this driver maps; any other property is noted as not honoured. */
const MAPPED = new Set(['acks', 'compression.type', 'enable.idempotence', 'max.in.flight.requests.per.connection', 'request.timeout.ms', 'client.id']);

export function createKafkaJsDriver(): ProducerDriver {
  const kafkajs = requirePeer('kafkajs') as KafkaJsModule;
  const notes: string[] = [];
  let producer: KafkaJsProducer | undefined;
  let topic = '';
  let acks = -1;
  let compression = 0;
  let timeout: number | undefined;

  // The records of the current turn, and the calls still in flight.
  let values: Array<{ value: Buffer }> = [];
  let callbacks: AckCallback[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  const inFlight = new Set<Promise<void>>();

  const sendPending = (): void => {
    scheduled = false;
    if (values.length === 0) return;
    const messages = values;
    const dones = callbacks;
    values = [];
    callbacks = [];
    pendingBytes = 0;
    const call = producer!
      .send({ topic, acks, compression, ...(timeout !== undefined ? { timeout } : {}), messages })
      .then(
        () => {
          for (let i = 0; i < dones.length; i++) dones[i]!(null);
        },
        (error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          for (let i = 0; i < dones.length; i++) dones[i]!(err);
        },
      )
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };

  return {
    version: peerVersion('kafkajs') ?? 'unknown',
    notes,
    async open(workload: Workload): Promise<void> {
      if (workload.preset !== undefined) throw new Error('--preset is a Tandem setting: KafkaJS has no presets');
      const props = workload.producerProps;
      topic = workload.topic;
      const ackProp = props['acks'] ?? 'all';
      acks = ackProp === 'all' ? -1 : Number(ackProp);
      if (![-1, 0, 1].includes(acks)) throw new Error(`acks=${ackProp}: expected all, -1, 0 or 1`);
      compression = registerCodec(kafkajs, props['compression.type'] ?? 'none');
      timeout = integerProp(props, 'request.timeout.ms');
      const idempotent = booleanProp(props, 'enable.idempotence') ?? false;
      const maxInFlight = integerProp(props, 'max.in.flight.requests.per.connection');
      const ignored = Object.keys(props).filter((k) => !MAPPED.has(k));
      if (ignored.length > 0) notes.push(`KafkaJS has no equivalent of ${ignored.join(', ')}: ignored`);
      if (props['enable.idempotence'] === undefined) notes.push('KafkaJS default: not idempotent (Java and Tandem default to idempotent with acks=all)');

      const kafka = new kafkajs.Kafka({
        clientId: props['client.id'] ?? 'tandem-bench-kafkajs',
        brokers: workload.bootstrap.split(','),
        logLevel: kafkajs.logLevel.ERROR,
      });
      producer = kafka.producer({
        allowAutoTopicCreation: false,
        idempotent,
        ...(maxInFlight !== undefined ? { maxInFlightRequests: maxInFlight } : {}),
      });
      await producer.connect();
    },
    send(value: Buffer, done: AckCallback): void {
      values.push({ value });
      callbacks.push(done);
      pendingBytes += value.length;
      if (pendingBytes >= MAX_REQUEST_BYTES) sendPending();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(sendPending);
      }
    },
    async flush(): Promise<void> {
      sendPending();
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    async close(): Promise<void> {
      await producer?.disconnect();
    },
  };
}

/**
 * KafkaJS's compression id for `name`, after registering @tandem/protocol's codec for it where
 * KafkaJS has none of its own (gzip stays KafkaJS's own).
 */
function registerCodec(kafkajs: KafkaJsModule, name: string): number {
  const types: Record<string, number> = {
    none: kafkajs.CompressionTypes.None,
    gzip: kafkajs.CompressionTypes.GZIP,
    snappy: kafkajs.CompressionTypes.Snappy,
    lz4: kafkajs.CompressionTypes.LZ4,
    zstd: kafkajs.CompressionTypes.ZSTD,
  };
  const id = types[name];
  if (id === undefined) throw new Error(`compression.type=${name}: expected none, gzip, snappy, lz4 or zstd`);
  if (name === 'snappy' || name === 'lz4' || name === 'zstd') {
    const codec = codecByName(name);
    kafkajs.CompressionCodecs[id] = () => ({
      compress: async (encoder) => codec.compress(encoder.buffer),
      decompress: async (buffer) => codec.decompress(buffer),
    });
  }
  return id;
}
