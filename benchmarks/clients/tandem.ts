/**
 * Tandem's driver: `KafkaProducer.send(record, callback)`, the callback form (the cheaper of the
 * two on the application thread: no Promise per record), with the workload's properties passed
 * as they are (Tandem takes Kafka's dotted keys and string values, as Java's properties file
 * would give them) and the preset, if any.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KafkaProducer } from '@tandem/producer';
import type { Workload } from '../perf/workload.js';
import type { AckCallback, ProducerDriver } from './driver.js';

export async function createTandemDriver(): Promise<ProducerDriver> {
  let mod: typeof import('@tandem/producer');
  try {
    mod = await import('@tandem/producer');
  } catch (error) {
    throw new Error(`@tandem/producer could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): run \`npx tsc -b\``);
  }
  if (typeof mod.KafkaProducer !== 'function') throw new Error('@tandem/producer KafkaProducer not available yet');
  // The package exports no package.json: read it beside the resolved entry (dist/index.js).
  const entry = createRequire(import.meta.url).resolve('@tandem/producer');
  const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;

  let producer: KafkaProducer<unknown, Buffer> | undefined;
  let topic = '';
  return {
    version,
    notes: [],
    get bufferMemory(): number | undefined {
      return producer?.config['buffer.memory'];
    },
    async open(workload: Workload): Promise<void> {
      topic = workload.topic;
      producer = new mod.KafkaProducer<unknown, Buffer>({
        ...(workload.producerProps as Record<string, never>),
        'bootstrap.servers': workload.bootstrap,
        ...(workload.preset !== undefined ? { preset: workload.preset as never } : {}),
      });
      // Metadata and the connection before the clock starts, as the other drivers' connect().
      await producer.partitionsFor(topic);
    },
    send(value: Buffer, done: AckCallback): void {
      producer!.send({ topic, value }, done);
    },
    flush(): Promise<void> {
      return producer!.flush();
    },
    close(): Promise<void> {
      return producer!.close({ timeout: 30_000 });
    },
  };
}
