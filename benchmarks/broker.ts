/**
 * The broker the benchmarks produce to, and their topics: a thin bridge to the test harness
 * (test/kafka), loaded from its compiled output at run time.
 *
 * Why at run time: the harness is the test project's code, compiled by `tsc -b` into
 * test/dist/. Importing it statically would make the benchmarks' build depend on the whole test
 * project's build (every test file), so a test that does not compile would stop the benchmarks
 * from compiling. The few functions used here are typed by {@link Harness} below.
 *
 * Which broker: `--bootstrap`, else KAFKA_BOOTSTRAP, else a harness cluster named `bench` (one
 * broker, Kafka 4.4.0 unless KAFKA_VERSION says otherwise), started on demand. It has a name of
 * its own so that a test run starting or stopping the shared test broker cannot pull it away in
 * the middle of a benchmark; the benchmark stops it afterwards if it started it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

/** The name of the harness cluster the benchmarks start (`.kafka/clusters/bench/`). */
export const BENCH_CLUSTER = 'bench';

/** The subset of test/kafka/index.ts the benchmarks use (kept in step with it by hand). */
interface Harness {
  ensureKafka(options?: { name?: string; version?: string }): Promise<{
    bootstrap: string;
    version: string;
    name: string | undefined;
    started: boolean;
    external: boolean;
  }>;
  stopCluster(name: string): Promise<unknown>;
  createTopic(
    bootstrap: string,
    name: string,
    options?: {
      partitions?: number;
      replicationFactor?: number;
      configs?: Record<string, string | number | boolean>;
      ifNotExists?: boolean;
      version?: string;
      clientConfig?: Record<string, string>;
    },
  ): Promise<void>;
  uniqueTopicName(prefix?: string): string;
  kafkaClasspath(version: string): Promise<string[]>;
  defaultKafkaVersion(): string;
}

let harness: Promise<Harness> | undefined;

/** The harness module, loaded once. Fails in one line if the test project was never built. */
export function loadHarness(): Promise<Harness> {
  const entry = join(repoRoot, 'test', 'dist', 'kafka', 'index.js');
  if (!existsSync(entry)) {
    return Promise.reject(new Error(`the broker harness is not built (${entry} is missing): run \`npx tsc -b\` at the repository root`));
  }
  harness ??= import(pathToFileURL(entry).href) as Promise<Harness>;
  return harness;
}

/** A broker to benchmark against. */
export interface BenchBroker {
  bootstrap: string;
  /** Kafka version of the broker (KAFKA_VERSION or the harness default for an external one). */
  version: string;
  /** True when this process started it: {@link releaseBroker} stops it then. */
  startedHere: boolean;
  /** 'harness' when it is the `bench` harness cluster, else 'external'. */
  kind: 'harness' | 'external';
}

/**
 * The broker for a run: `bootstrap` if given, else KAFKA_BOOTSTRAP, else the `bench` harness
 * cluster (started if it is not running; a fresh start takes 10-30 s).
 */
export async function acquireBroker(bootstrap: string | undefined): Promise<BenchBroker> {
  const h = await loadHarness();
  if (bootstrap !== undefined && bootstrap !== '') {
    return { bootstrap, version: h.defaultKafkaVersion(), startedHere: false, kind: 'external' };
  }
  const external = process.env['KAFKA_BOOTSTRAP'];
  if (external !== undefined && external.trim() !== '') {
    return { bootstrap: external.trim(), version: h.defaultKafkaVersion(), startedHere: false, kind: 'external' };
  }
  process.stderr.write(`[broker] starting or reusing the "${BENCH_CLUSTER}" harness broker...\n`);
  const kafka = await h.ensureKafka({ name: BENCH_CLUSTER });
  process.stderr.write(`[broker] Kafka ${kafka.version} at ${kafka.bootstrap}${kafka.started ? ' (started)' : ' (reused)'}\n`);
  return { bootstrap: kafka.bootstrap, version: kafka.version, startedHere: kafka.started, kind: 'harness' };
}

/** Stops the broker if {@link acquireBroker} started it and `keep` is false. */
export async function releaseBroker(broker: BenchBroker, keep: boolean): Promise<void> {
  if (!broker.startedHere || broker.kind !== 'harness') return;
  if (keep) {
    process.stderr.write(`[broker] left running at ${broker.bootstrap} (stop it with: node test/dist/kafka/cli.js stop --name ${BENCH_CLUSTER})\n`);
    return;
  }
  const h = await loadHarness();
  await h.stopCluster(BENCH_CLUSTER);
  process.stderr.write('[broker] stopped\n');
}

/** Topic settings every benchmark topic gets: bounded disk use on long comparisons. */
const TOPIC_CONFIGS = {
  // A benchmark never reads its records back: keep at most ~256 MiB per partition on disk.
  'retention.bytes': 256 * 1024 * 1024,
  'segment.bytes': 64 * 1024 * 1024,
};

/**
 * Creates `name` with `partitions` partitions (replication factor 1, the broker count of the
 * harness cluster) and returns once every partition has a leader. With `ifNotExists`, an existing
 * topic is used as it is. `clientConfig`: the Java AdminClient's settings for a secured listener
 * (see perf/java-security-config.ts).
 */
export async function createBenchTopic(
  broker: BenchBroker,
  name: string,
  partitions: number,
  ifNotExists = false,
  clientConfig: Record<string, string> = {},
): Promise<void> {
  const h = await loadHarness();
  await h.createTopic(broker.bootstrap, name, { partitions, configs: TOPIC_CONFIGS, ifNotExists, version: broker.version, clientConfig });
}

/** A topic name no earlier run used: `<prefix>-<time>-<random>`. */
export async function freshTopicName(prefix: string): Promise<string> {
  return (await loadHarness()).uniqueTopicName(prefix);
}

/** Kafka's jars (client, tools) for `version`, from the harness's Maven resolution. */
export async function kafkaJars(version: string): Promise<string[]> {
  return (await loadHarness()).kafkaClasspath(version);
}
