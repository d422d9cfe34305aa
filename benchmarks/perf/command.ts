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
import { javaSecurityConfig } from './java-security-config.js';
import { runClient } from '../clients/runner.js';
import { ensurePeers } from '../clients/peers.js';
import { resultsDir } from '../paths.js';
import { intOption, numberOption, parseCommandLine, runOptionTable, runSettings, usage, type OptionTable } from './args.js';
import { ProgressBar } from './progress.js';
import { describeResult, machineFacts, timestamp, writeResultFile } from './report.js';
import { CLIENT_NAMES, defaultWarmup, payloadPool, type ClientName, type Workload } from './workload.js';

/** The options every bench command shares, in perf's words; taken apart so that --help lists --cpu-prof before --timeout. */
const { timeout: timeoutOption, help: helpOption, ...runOptions } = runOptionTable({
  partitions: 'partitions of a topic it creates (default 6)',
  timeout: 'give up on a client after this long (default 600)',
  progress: 'draw the progress bar even when stderr is not a terminal',
});

/** The options of `bench perf` (kafka-producer-perf-test's, and more), in the order its `--help` lists them. */
const PERF_OPTIONS = {
  client: { type: 'string', value: 'NAME', help: 'tandem (default), kafkajs, confluent or java' },
  topic: { type: 'string', value: 'NAME', help: 'topic to produce to (created with --partitions if missing; default: a fresh one)' },
  'num-records': { type: 'string', value: 'N', help: 'records to send, warm-up included (default 1000000)' },
  'record-size': { type: 'string', value: 'BYTES', help: "payload size: random upper-case letters, as ProducerPerformance's (default 100)" },
  'payload-file': { type: 'string', value: 'FILE', help: 'payloads to send in turn instead, one per line (UTF-8)' },
  throughput: { type: 'string', value: 'N', help: 'offered rate in records/s; -1 sends flat out (default -1)' },
  'producer-props': { type: 'string', value: 'K=V ...', help: "producer properties in Kafka's dotted keys (translated for each client)" },
  preset: { type: 'string', value: 'NAME', help: 'a Tandem preset: throughput, latency, durable, lowMemory' },
  'warmup-records': { type: 'string', value: 'N', help: 'records left out of throughput and latency (default 10%, at most 50000)' },
  ...runOptions,
  'cpu-prof': { type: 'boolean', help: 'write a V8 CPU profile of a Node.js client to benchmarks/results/' },
  timeout: timeoutOption,
  help: helpOption,
} as const satisfies OptionTable;

export const PERF_USAGE = usage('perf', PERF_OPTIONS);

export async function perfCommand(argv: readonly string[]): Promise<void> {
  const { values: o, producerProps } = parseCommandLine(argv, PERF_OPTIONS);
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
  const { bootstrap, keepBroker, partitions, timeoutMs, showProgress } = runSettings(o, 600);

  if (client === 'kafkajs' || client === 'confluent') await ensurePeers();
  const broker = await acquireBroker(bootstrap);
  try {
    const topic = o.topic ?? (await freshTopicName('bench-perf'));
    // A secured listener: the Java AdminClient that creates the topic needs the same security settings.
    await createBenchTopic(broker, topic, partitions, true, javaSecurityConfig(producerProps));
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
    const bar = new ProgressBar(client, numRecords, showProgress);
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
    await releaseBroker(broker, keepBroker);
  }
}
