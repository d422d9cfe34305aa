/**
 * Tandem's driver: `KafkaProducer.send(record, callback)`, the callback form (the cheaper of the
 * two on the application thread: no Promise per record), with the workload's properties passed
 * as they are (Tandem takes Kafka's dotted keys and string values, as Java's properties file
 * would give them) and the preset, if any.
 *
 * A transactional producer (`transactional.id` set, as the exactlyOnce preset requires) runs as
 * an exactly-once application does: every record inside a transaction, a commit every
 * `transactionIntervalMs` (Kafka Streams' exactly-once commit interval, 100 ms, by default).
 * Records the send loop hands over while a commit is under way wait for the next transaction
 * (a transactional producer cannot send between commit and begin), and their latency includes
 * that wait, as an application's would.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KafkaProducer } from '@tandem/producer';
import type { Workload } from '../perf/workload.js';
import type { AckCallback, ProducerDriver } from './driver.js';

/** Commit interval of a transactional run unless the workload says otherwise (Kafka Streams' for exactly-once). */
export const DEFAULT_TRANSACTION_INTERVAL_MS = 100;

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
  const notes: string[] = [];

  // --- transactions (a transactional.id only) -------------------------------------------------
  let transactional = false;
  let timer: NodeJS.Timeout | undefined;
  /** The commit-and-begin under way, if any: sends wait for it in `held`. */
  let cycle: Promise<void> | undefined;
  let held: Array<{ value: Buffer; done: AckCallback }> = [];
  let commits = 0;
  let failedCommits = 0;

  const commitAndBegin = async (): Promise<void> => {
    const p = producer!;
    try {
      await p.commitTransaction();
      commits++;
    } catch (error) {
      // A transaction the broker refused (abortable): abort it, as an application must, and go on.
      failedCommits++;
      if (failedCommits === 1) notes.push(`a commit failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the transaction was aborted`);
      await p.abortTransaction();
    }
    await p.beginTransaction();
    const waiting = held;
    held = [];
    for (const { value, done } of waiting) p.send({ topic, value }, done);
  };
  const startCycle = (): Promise<void> => {
    cycle ??= commitAndBegin().finally(() => {
      cycle = undefined;
    });
    return cycle;
  };

  return {
    version,
    notes,
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
      const id = (producer.config as unknown as Record<string, unknown>)['transactional.id'];
      transactional = typeof id === 'string' && id !== '';
      if (transactional) {
        await producer.initTransactions();
        await producer.beginTransaction();
        const interval = workload.transactionIntervalMs ?? DEFAULT_TRANSACTION_INTERVAL_MS;
        timer = setInterval(() => void startCycle().catch(() => undefined), interval);
        notes.push(`transactional: every record in a transaction, one committed every ${interval} ms; records sent during a commit wait for the next transaction`);
      }
    },
    send(value: Buffer, done: AckCallback): void {
      if (cycle !== undefined) held.push({ value, done });
      else producer!.send({ topic, value }, done);
    },
    async flush(): Promise<void> {
      if (!transactional) return producer!.flush();
      clearInterval(timer);
      if (cycle !== undefined) await cycle;
      // The last transaction, with whatever it holds: commit flushes it.
      await producer!.commitTransaction();
      if (failedCommits > 0) notes.push(`${failedCommits} of ${commits + failedCommits + 1} transactions aborted`);
    },
    close(): Promise<void> {
      clearInterval(timer);
      return producer!.close({ timeout: 30_000 });
    },
  };
}
