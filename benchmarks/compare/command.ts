/**
 * `bench compare`: the same workloads, in the same run, against the same broker and the same
 * topic settings, with Tandem, KafkaJS, @confluentinc/kafka-javascript and the Java producer.
 *
 * For each scenario: a fresh topic (6 partitions unless told otherwise), then several rounds;
 * in each round every client runs once, in an order that rotates from round to round, so that
 * no client always runs first (after the topic's creation) or right after the same neighbour.
 * The report gives each metric's median over the rounds and each client's ratio to Tandem, so
 * that one noisy round on a shared machine cannot flip a result.
 *
 *   npx -y pnpm@10 bench:compare            3 rounds, the full record counts (under 15 min here)
 *   npx -y pnpm@10 bench                    --quick: 1 round, a third of the records (~3 min)
 *
 * Writes benchmarks/results/compare-<time>.{json,md,svg} and compare-latest.{json,md,svg}.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireBroker, createBenchTopic, freshTopicName, releaseBroker } from '../broker.js';
import { ensurePeers } from '../clients/peers.js';
import { runClient } from '../clients/runner.js';
import { resultsDir } from '../paths.js';
import { intOption, numberOption, parseCommandLine, runOptionTable, runSettings, usage, type OptionTable } from '../perf/args.js';
import { ProgressBar } from '../perf/progress.js';
import { loadavg } from 'node:os';
import { fmt, machineFacts, sourceRevision, timestamp, writeResultFile } from '../perf/report.js';
import { CLIENT_LABELS, CLIENT_NAMES, defaultWarmup, payloadPool, type ClientName, type Workload } from '../perf/workload.js';
import { renderComparisonChart } from './chart.js';
import { chartTitle, provenanceNote, type Provenance } from './provenance.js';
import { isFixedRate, SCENARIOS } from './scenarios.js';
import { summarize, type RunRecord, type ScenarioSummary } from './summary.js';
import { comparisonTable } from './table.js';

/** The options of `bench compare`, in the order its `--help` lists them. */
const COMPARE_OPTIONS = {
  quick: { type: 'boolean', help: '1 round, a third of the records (a few minutes)' },
  rounds: { type: 'string', value: 'N', help: 'rounds per scenario (default 3; 1 with --quick)' },
  scale: { type: 'string', value: 'X', help: "multiply every scenario's record count by X" },
  clients: { type: 'string', value: 'A,B,...', help: `which clients (default: ${CLIENT_NAMES.join(',')})` },
  scenarios: { type: 'string', value: 'ID,...', help: 'which scenarios (default: all; --list shows them)' },
  list: { type: 'boolean', help: 'print the scenarios and exit' },
  from: { type: 'string', value: 'FILE', help: "print the table and redraw the chart of an earlier comparison's JSON" },
  publish: {
    type: 'string',
    value: 'DIR',
    help: 'also copy the table (.md) and chart (.svg) to DIR as comparison.{md,svg}, e.g. for the README',
  },
  'producer-props': { type: 'string', value: 'K=V ...', help: 'extra producer properties for every client' },
  preset: { type: 'string', value: 'NAME', help: "a preset for Tandem's runs" },
  ...runOptionTable({
    partitions: "partitions of each scenario's topic (default 6)",
    timeout: 'give up on one client run after this long (default 300)',
  }),
} as const satisfies OptionTable;

export const COMPARE_USAGE = usage('compare', COMPARE_OPTIONS);

/** The first client of round `round`'s order: the list rotated by the round number. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function compareCommand(argv: readonly string[]): Promise<void> {
  const { values: o, producerProps } = parseCommandLine(argv, COMPARE_OPTIONS);
  if (o.help === true) {
    process.stdout.write(COMPARE_USAGE);
    return;
  }
  if (o.list === true) {
    for (const s of SCENARIOS) {
      process.stdout.write(`${s.id.padEnd(20)} ${s.label.padEnd(26)} ${fmt(s.numRecords)} records${s.throughput > 0 ? ` at ${fmt(s.throughput)}/s` : ', flat out'}\n`);
    }
    return;
  }
  if (o.from !== undefined) return redraw(o.from, o.publish);
  const quick = o.quick === true;
  const rounds = intOption(o.rounds, 'rounds', quick ? 1 : 3);
  const scale = numberOption(o.scale, 'scale', 1) * (quick ? 1 / 3 : 1);
  const clients = (o.clients?.split(',').map((c) => c.trim()) ?? [...CLIENT_NAMES]) as ClientName[];
  for (const c of clients) if (!CLIENT_NAMES.includes(c)) throw new Error(`--clients: unknown client "${c}" (expected ${CLIENT_NAMES.join(', ')})`);
  const wanted = o.scenarios?.split(',').map((s) => s.trim());
  const scenarios = wanted === undefined ? [...SCENARIOS] : SCENARIOS.filter((s) => wanted.includes(s.id));
  if (scenarios.length === 0) throw new Error(`--scenarios ${o.scenarios}: none of them exists (see --list)`);
  const { bootstrap, keepBroker, partitions, timeoutMs, showProgress } = runSettings(o, 300);
  const machine = await machineFacts();
  const started = Date.now();

  if (clients.includes('kafkajs') || clients.includes('confluent')) {
    try {
      await ensurePeers();
    } catch (error) {
      // The other clients can still run; the peers' runs will fail with the reason.
      process.stderr.write(`[peers] ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  const broker = await acquireBroker(bootstrap);
  const summaries: ScenarioSummary[] = [];
  const allRuns: Array<{ scenario: string; topic: string; workload: Workload; runs: RunRecord[] }> = [];
  try {
    await warmUpBroker(broker, clients[0]!, partitions, producerProps, timeoutMs);
    for (const [index, scenario] of scenarios.entries()) {
      const topic = await freshTopicName(`bench-${scenario.id}`);
      await createBenchTopic(broker, topic, partitions);
      const numRecords = Math.max(1000, Math.round(scenario.numRecords * scale));
      const workload: Workload = {
        bootstrap: broker.bootstrap,
        topic,
        numRecords,
        warmupRecords: defaultWarmup(numRecords),
        payloadFile: await payloadPool(scenario.recordSize),
        throughput: scenario.throughput,
        producerProps: { ...producerProps, acks: scenario.acks, 'compression.type': scenario.compression },
      };
      process.stderr.write(`\n[${index + 1}/${scenarios.length}] ${scenario.label}: ${fmt(numRecords)} records${scenario.throughput > 0 ? ` at ${fmt(scenario.throughput)}/s` : ', flat out'}, topic ${topic}\n`);
      const runs: RunRecord[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const client of rotate(clients, round)) {
          runs.push(await runOnce(client, round, isFixedRate(scenario), { ...workload, preset: client === 'tandem' ? o.preset : undefined }, broker.version, timeoutMs, rounds, showProgress));
        }
      }
      const summary = summarize(scenario, topic, clients, runs);
      summaries.push(summary);
      allRuns.push({ scenario: scenario.id, topic, workload, runs });
    }
  } finally {
    await releaseBroker(broker, keepBroker);
  }

  const minutes = (Date.now() - started) / 60_000;
  const table = comparisonTable(summaries);
  process.stdout.write(`\n${table}\n\n${rounds} round(s) per scenario, ${partitions} partitions, Kafka ${broker.version}; ${minutes.toFixed(1)} min.\n`);
  const notes = [...new Set(summaries.flatMap((s) => s.clients.flatMap((c) => c.notes.map((n) => `${CLIENT_LABELS[c.client]}: ${n}`))))];
  for (const note of notes) process.stdout.write(`note: ${note}\n`);

  const name = `compare-${timestamp()}`;
  const provenance: Provenance = {
    at: new Date().toISOString(),
    minutes,
    command: `npx -y pnpm@10 bench:compare${argv.filter((a) => a !== '--').map((a) => ` ${a}`).join('')}`,
    revision: sourceRevision(),
    machine: { ...(machine as unknown as Provenance['machine']), loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) },
    broker: { version: broker.version, kind: broker.kind },
    options: { quick, rounds, scale, clients, partitions, ...(o.preset !== undefined ? { preset: o.preset } : {}) },
  };
  const json = await writeResultFile(name, {
    kind: 'compare',
    ...provenance,
    broker: { bootstrap: broker.bootstrap, ...provenance.broker },
    options: { ...provenance.options, producerProps },
    summaries,
    runs: allRuns,
  });
  const markdown = join(resultsDir, `${name}.md`);
  await writeFile(markdown, `${table}\n\n${provenanceNote(provenance)}\n`);
  const svg = join(resultsDir, `${name}.svg`);
  await writeFile(svg, await renderComparisonChart(summaries, chartTitle(provenance)));
  for (const ext of ['json', 'md', 'svg']) await copyFile(join(resultsDir, `${name}.${ext}`), join(resultsDir, `compare-latest.${ext}`));
  if (o.publish !== undefined) await publish(join(resultsDir, name), o.publish);
  process.stderr.write(`results: ${json}\n         ${markdown}\n         ${svg}\n         (and compare-latest.*)\n`);
}

/**
 * One unrecorded flat-out run before the first scenario. A freshly started broker is slow until
 * its JIT has compiled the produce path: in one comparison the first scenario's first client got
 * 108,000 records/s, then 316,000 and 493,000 in the next rounds (Java: 116k, 126k, 171k), so
 * its median measured the broker's warm-up rather than the clients.
 */
async function warmUpBroker(
  broker: Awaited<ReturnType<typeof acquireBroker>>,
  client: ClientName,
  partitions: number,
  producerProps: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const topic = await freshTopicName('bench-warm-up');
  await createBenchTopic(broker, topic, partitions);
  const numRecords = 1_000_000;
  process.stderr.write(`\n[warm-up] ${client}: ${fmt(numRecords)} records of 100 B flat out, not recorded, topic ${topic}\n`);
  const workload: Workload = {
    bootstrap: broker.bootstrap,
    topic,
    numRecords,
    warmupRecords: defaultWarmup(numRecords),
    payloadFile: await payloadPool(100),
    throughput: -1,
    producerProps: { ...producerProps, acks: '1', 'compression.type': 'none' },
  };
  await runOnce(client, 0, false, workload, broker.version, timeoutMs, 1, false);
}

async function runOnce(
  client: ClientName,
  round: number,
  fixedRate: boolean,
  workload: Workload,
  kafkaVersion: string,
  timeoutMs: number,
  rounds: number,
  showProgress: boolean,
): Promise<RunRecord> {
  const label = `${rounds > 1 ? `r${round + 1} ` : ''}${client}`;
  const bar = new ProgressBar(label, workload.numRecords, showProgress);
  try {
    const result = await runClient(client, workload, { kafkaVersion, timeoutMs }, { onStart: () => bar.start(), onProgress: (n) => bar.update(n) });
    bar.finish();
    process.stderr.write(
      `  ${label.padEnd(14)} ${fmt(fixedRate ? result.wholeRunRecordsPerSec : result.recordsPerSec).padStart(10)} rec/s  p99 ${result.latencyMs.p99.toFixed(1).padStart(7)} ms  CPU ${result.cpuSecondsPerMillion.toFixed(2).padStart(6)} s/M` +
        `${result.eventLoopDelayMs !== null ? `  loop p99 ${result.eventLoopDelayMs.p99.toFixed(2)} ms` : ''}${result.errors > 0 ? `  ${result.errors} FAILED` : ''}\n`,
    );
    return { round, client, result };
  } catch (error) {
    bar.finish();
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`  ${label.padEnd(14)} failed: ${message.split('\n')[0]}\n`);
    return { round, client, error: message.split('\n')[0]! };
  }
}

/** `--from FILE`: the table and chart of a saved comparison, written beside it. */
async function redraw(file: string, publishTo: string | undefined): Promise<void> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as Provenance & { kind?: string; summaries: ScenarioSummary[] };
  if (saved.kind !== 'compare') throw new Error(`${file} is not a comparison's JSON`);
  const table = comparisonTable(saved.summaries);
  process.stdout.write(`${table}\n`);
  const base = file.replace(/\.json$/, '');
  await writeFile(`${base}.md`, `${table}\n\n${provenanceNote(saved)}\n`);
  await writeFile(`${base}.svg`, await renderComparisonChart(saved.summaries, chartTitle(saved)));
  process.stderr.write(`wrote ${base}.md and ${base}.svg\n`);
  if (publishTo !== undefined) await publish(base, publishTo);
}

/** Copies `<base>.md` and `<base>.svg` to `<dir>/comparison.{md,svg}`. */
async function publish(base: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const ext of ['md', 'svg']) await copyFile(`${base}.${ext}`, join(dir, `comparison.${ext}`));
  process.stderr.write(`published ${join(dir, 'comparison.md')} and ${join(dir, 'comparison.svg')}\n`);
}
