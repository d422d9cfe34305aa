/**
 * @confluentinc/kafka-javascript's driver (librdkafka underneath).
 *
 * It uses the library's fastest path, the node-rdkafka-style `Producer`: `produce()` copies the
 * record into librdkafka's queue and returns at once; librdkafka's own threads batch, compress
 * and send; delivery reports come back through a background poll thread
 * (`setPollInBackground(true)`, which the library's KafkaJS-compatible API uses too), each
 * carrying the record's callback as its opaque. When librdkafka's queue is full
 * (`queue.buffering.max.messages`, 100,000 by default) `produce()` throws QUEUE_FULL: the
 * driver keeps such records in order and hands them over as delivery reports make room, which is
 * what an application has to do.
 *
 * Properties: librdkafka takes most of Java's names as they are (acks, compression.type,
 * linger.ms, batch.size, enable.idempotence, delivery.timeout.ms, ...). buffer.memory becomes
 * queue.buffering.max.kbytes; Java-only keys librdkafka does not know are dropped and noted.
 */
import type { Workload } from '../perf/workload.js';
import type { AckCallback, ProducerDriver } from './driver.js';
import { peerVersion, requirePeer } from './peers.js';

/** The parts of the module the driver uses (its own types are not compiled against). */
interface ConfluentModule {
  Producer: new (config: Record<string, unknown>, topicConfig?: Record<string, unknown>) => RdProducer;
  librdkafkaVersion?: string;
}
interface RdProducer {
  connect(options: Record<string, unknown>, callback: (error: Error | null) => void): void;
  disconnect(timeout: number, callback: (error: Error | null) => void): void;
  setPollInBackground(enabled: boolean): void;
  produce(topic: string, partition: number | null, value: Buffer, key: null, timestamp: null, opaque: AckCallback): unknown;
  flush(timeout: number, callback: (error: Error | null) => void): void;
  on(event: 'delivery-report', listener: (error: Error | null, report: { opaque: AckCallback }) => void): void;
  on(event: 'event.error', listener: (error: Error) => void): void;
}

/** librdkafka's "local queue full" error code. */
const ERR_QUEUE_FULL = -184;

/** Java producer keys librdkafka does not know, dropped rather than failing the run. */
const JAVA_ONLY = new Set(['max.block.ms', 'key.serializer', 'value.serializer', 'partitioner.class', 'partitioner.ignore.keys', 'partitioner.adaptive.partitioning.enable', 'partitioner.availability.timeout.ms', 'buffer.memory']);

export function createConfluentDriver(): ProducerDriver {
  const rd = requirePeer('confluent') as ConfluentModule;
  const notes: string[] = [];
  let producer: RdProducer | undefined;
  let topic = '';
  let outstanding = 0;
  let idle: (() => void) | undefined;
  // Records librdkafka refused with QUEUE_FULL, in send order.
  let backlogValues: Buffer[] = [];
  let backlogDones: AckCallback[] = [];
  let backlogHead = 0;
  let drainScheduled = false;

  const drainBacklog = (): void => {
    drainScheduled = false;
    while (backlogHead < backlogValues.length) {
      if (!tryProduce(backlogValues[backlogHead]!, backlogDones[backlogHead]!)) return;
      backlogHead++;
    }
    backlogValues = [];
    backlogDones = [];
    backlogHead = 0;
  };

  /** Hands a record to librdkafka; false when its queue is full. */
  const tryProduce = (value: Buffer, done: AckCallback): boolean => {
    try {
      producer!.produce(topic, null, value, null, null, done);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === ERR_QUEUE_FULL) return false;
      throw error;
    }
  };

  return {
    version: `${peerVersion('confluent') ?? 'unknown'} (librdkafka ${rd.librdkafkaVersion ?? '?'})`,
    notes,
    async open(workload: Workload): Promise<void> {
      if (workload.preset !== undefined) throw new Error('--preset is a Tandem setting: librdkafka has no presets');
      topic = workload.topic;
      const config: Record<string, unknown> = {
        'bootstrap.servers': workload.bootstrap,
        'client.id': 'tandem-bench-confluent',
        dr_cb: true,
      };
      const dropped: string[] = [];
      for (const [key, value] of Object.entries(workload.producerProps)) {
        if (key === 'buffer.memory') config['queue.buffering.max.kbytes'] = Math.ceil(Number(value) / 1024);
        if (JAVA_ONLY.has(key)) {
          if (key !== 'buffer.memory') dropped.push(key);
        } else config[key] = value;
      }
      if (dropped.length > 0) notes.push(`librdkafka has no ${dropped.join(', ')}: ignored`);
      if (workload.producerProps['enable.idempotence'] === undefined) notes.push('librdkafka default: not idempotent');

      producer = new rd.Producer(config);
      producer.on('delivery-report', (error, report) => {
        report.opaque(error);
        if (backlogHead < backlogValues.length && !drainScheduled) {
          drainScheduled = true;
          setImmediate(drainBacklog);
        }
        if (--outstanding === 0 && idle !== undefined) idle();
      });
      producer.on('event.error', (error) => process.stderr.write(`[confluent] ${error.message}\n`));
      await new Promise<void>((resolve, reject) => producer!.connect({ topic, timeout: 30_000 }, (error) => (error ? reject(error) : resolve())));
      producer.setPollInBackground(true);
    },
    send(value: Buffer, done: AckCallback): void {
      outstanding++;
      if (backlogHead < backlogValues.length || !tryProduce(value, done)) {
        backlogValues.push(value);
        backlogDones.push(done);
      }
    },
    async flush(): Promise<void> {
      while (outstanding > 0) {
        drainBacklog();
        await new Promise<void>((resolve, reject) => producer!.flush(30_000, (error) => (error ? reject(error) : resolve())));
        if (outstanding > 0) await new Promise<void>((resolve) => (idle = resolve));
        idle = undefined;
      }
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => producer?.disconnect(30_000, () => resolve()) ?? resolve());
    },
  };
}
