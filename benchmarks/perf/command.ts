/**
 * `bench perf`: one client, one workload, modelled on Kafka's kafka-producer-perf-test.
 *
 *   npx -y pnpm@10 bench:perf --client tandem --num-records 1000000 --record-size 100 \
 *     --throughput -1 --producer-props acks=1 compression.type=lz4
 *
 * Prints records/s, MiB/s, send-to-ack latency (avg, p50, p99, p99.9, max), client CPU seconds
 * per million records, peak RSS and (Node.js clients) the event loop's delay, and writes them as
 * JSON to benchmarks/results/perf-<client>-<time>.json.
 */
import { acquireBroker, createBenchTopic, freshTopicName, releaseBroker } from '../broker.js';
import { runClient } from '../clients/runner.js';
import { ensurePeers } from '../clients/peers.js';
import { resultsDir } from '../paths.js';
import { intOption, numberOption, parseCommandLine } from './args.js';
import { ProgressBar, progressWanted } from './progress.js';
import { describeResult, machineFacts, timestamp, writeResultFile } from './report.js';
import { CLIENT_NAMES, defaultWarmup, payloadPool, type ClientName, type Workload } from './workload.js';

export const PERF_USAGE = `usage: bench perf [options]

  --client NAME            tandem (default), kafkajs, confluent or java
  --topic NAME             topic to produce to (created with --partitions if missing; default: a fresh one)
  --num-records N          records to send, warm-up included (default 1000000)
  --record-size BYTES      payload size: random upper-case letters, as ProducerPerformance's (default 100)
  --payload-file FILE      payloads to send in turn instead, one per line (UTF-8)
  --throughput N           offered rate in records/s; -1 sends flat out (default -1)
  --producer-props K=V ... producer properties in Kafka's dotted keys (translated for each client)
  --preset NAME            a Tandem preset: throughput, latency, durable, lowMemory
  --warmup-records N       records left out of throughput and latency (default 10%, at most 50000)
  --partitions N           partitions of a topic it creates (default 6)
  --bootstrap HOST:PORT    the cluster (default: KAFKA_BOOTSTRAP, else the "bench" harness broker, started on demand)
  --keep-broker            leave a harness broker this command started running
  --progress               draw the progress bar even when stderr is not a terminal
  --cpu-prof               write a V8 CPU profile of a Node.js client to benchmarks/results/
  --timeout SECONDS        give up on a client after this long (default 600)
`;

interface PerfOptions {
  client?: string;
  topic?: string;
  'num-records'?: string;
  'record-size'?: string;
  'payload-file'?: string;
  throughput?: string;
  preset?: string;
  'warmup-records'?: string;
  partitions?: string;
  bootstrap?: string;
  'keep-broker'?: boolean;
  progress?: boolean;
  'cpu-prof'?: boolean;
  timeout?: string;
  help?: boolean;
}

export async function perfCommand(argv: readonly string[]): Promise<void> {
  const { values: o, producerProps } = parseCommandLine<PerfOptions>(argv, {
    client: { type: 'string' },
    topic: { type: 'string' },
    'num-records': { type: 'string' },
    'record-size': { type: 'string' },
    'payload-file': { type: 'string' },
    throughput: { type: 'string' },
    preset: { type: 'string' },
    'warmup-records': { type: 'string' },
    partitions: { type: 'string' },
    bootstrap: { type: 'string' },
    'keep-broker': { type: 'boolean' },
    progress: { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (o.help === true) {
    process.stdout.write(PERF_USAGE);
    return;
  }
  const client = (o.client ?? 'tandem') as ClientName;
  if (!CLIENT_NAMES.includes(client)) throw new Error(`--client ${o.client}: expected one of ${CLIENT_NAMES.join(', ')}`);
  if (o['record-size'] !== undefined && o['payload-file'] !== undefined) throw new Error('give --record-size or --payload-file, not both');
  const numRecords = intOption(o['num-records'], 'num-records', 1_000_000);
  if (numRecords < 1) throw new Error('--num-records must be at least 1');
  const warmupRecords = intOption(o['warmup-records'], 'warmup-records', defaultWarmup(numRecords));
  if (warmupRecords >= numRecords) throw new Error('--warmup-records must be fewer than --num-records');
  const payloadFile = o['payload-file'] ?? (await payloadPool(intOption(o['record-size'], 'record-size', 100)));
  const throughput = numberOption(o.throughput, 'throughput', -1);
  const partitions = intOption(o.partitions, 'partitions', 6);
  const timeoutMs = intOption(o.timeout, 'timeout', 600) * 1000;

  if (client === 'kafkajs' || client === 'confluent') await ensurePeers();
  const broker = await acquireBroker(o.bootstrap);
  try {
    const topic = o.topic ?? (await freshTopicName('bench-perf'));
    await createBenchTopic(broker, topic, partitions, true);
    const workload: Workload = {
      bootstrap: broker.bootstrap,
      topic,
      numRecords,
      warmupRecords,
      payloadFile,
      throughput,
      producerProps,
      preset: o.preset,
    };
    const bar = new ProgressBar(client, numRecords, progressWanted(o.progress === true));
    const result = await runClient(
      client,
      workload,
      { kafkaVersion: broker.version, timeoutMs, cpuProfileDir: o['cpu-prof'] === true ? resultsDir : undefined },
      { onStart: () => bar.start(), onProgress: (acked) => bar.update(acked) },
    );
    bar.finish();
    process.stdout.write(`${describeResult(result).join('\n')}\n`);
    const file = await writeResultFile(`perf-${client}-${timestamp()}`, {
      kind: 'perf',
      at: new Date().toISOString(),
      machine: await machineFacts(),
      broker: { bootstrap: broker.bootstrap, version: broker.version, kind: broker.kind },
      workload: { ...workload, recordSize: o['payload-file'] === undefined ? intOption(o['record-size'], 'record-size', 100) : undefined },
      result,
    });
    process.stderr.write(`results: ${file}\n`);
  } finally {
    await releaseBroker(broker, o['keep-broker'] === true);
  }
}
