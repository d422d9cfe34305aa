/**
 * `bench presets`: Tandem's presets, measured, and docs/presets.md regenerated from the result.
 *
 *   npx -y pnpm@10 bench:presets            3 rounds (about 3 minutes on a 2-core machine)
 *   npx -y pnpm@10 bench:presets --rounds 5 --out -
 *
 * The configurations are the producer with no preset (`defaults`) and every preset of the
 * `presets` export of @tandem/producer, so a preset added there is measured without a change
 * here. Each runs two workloads, each in a fresh child process as `bench perf` runs them:
 *
 * - flat out: 500,000 records of 100 bytes as fast as the producer takes them, for throughput,
 *   CPU per record and peak memory;
 * - a fixed rate: 100,000 records offered at 20,000/s, for send-to-ack latency at a load every
 *   preset sustains (flat out, latency only measures how deep the queue is).
 *
 * Nothing else is set: a preset's figures are what a user who picks it gets; but a transactional
 * preset (exactlyOnce) gets the `transactional.id` it cannot run without, and then runs as an
 * exactly-once application does, a transaction committed every 100 ms (clients/tandem.ts).
 * Over several rounds
 * the configurations take turns in an order rotated each round, and the page shows medians.
 * Writes docs/presets.md (or `--out FILE`) and benchmarks/results/presets-<time>.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { presets, resolveProducerConfig } from '@tandem/producer';
import { acquireBroker, createBenchTopic, freshTopicName, releaseBroker } from '../broker.js';
import { runClient } from '../clients/runner.js';
import { median } from '../compare/summary.js';
import { repoRoot } from '../paths.js';
import { intOption, parseCommandLine, runOptionTable, runSettings, usage, type OptionTable } from '../perf/args.js';
import { ProgressBar } from '../perf/progress.js';
import { fmt, machineFacts, sourceRevision, timestamp, writeResultFile } from '../perf/report.js';
import { defaultWarmup, payloadPool, type PerfResult, type Workload } from '../perf/workload.js';
import { presetsPage, presetsTable, type ConfigMedians, type PresetsReport } from './page.js';
import { DEFAULTS, whenToUse } from './uses.js';

/** The options of `bench presets`, in the order its `--help` lists them. */
const PRESETS_OPTIONS = {
  rounds: { type: 'string', value: 'N', help: 'rounds; every figure is the median over them (default 3)' },
  'num-records': { type: 'string', value: 'N', help: 'records of the flat-out run (default 500000)' },
  rate: { type: 'string', value: 'N', help: 'offered rate of the latency run, records/s (default 20000)' },
  'rate-records': { type: 'string', value: 'N', help: 'records of the latency run (default 100000)' },
  'record-size': { type: 'string', value: 'BYTES', help: 'payload size (default 100)' },
  presets: { type: 'string', value: 'A,B,...', help: `which configurations (default: ${DEFAULTS} and every preset)` },
  out: { type: 'string', value: 'FILE', help: 'the page to write (default docs/presets.md); - prints the table only' },
  from: { type: 'string', value: 'FILE', help: "redraw the page from an earlier run's JSON (benchmarks/results/presets-*.json)" },
  ...runOptionTable({
    partitions: 'partitions of the topics (default 6)',
    timeout: 'give up on one run after this long (default 300)',
  }),
} as const satisfies OptionTable;

export const PRESETS_USAGE = usage('presets', PRESETS_OPTIONS);

/** How long the unreported warm-up runs load the broker before round 1 (at least one run). */
const WARMUP_MS = 15_000;

/** One run of one configuration in one round. */
interface PresetRun {
  round: number;
  config: string;
  workload: 'flat' | 'rate';
  result?: PerfResult;
  error?: string;
}

/** The list rotated by `by` places. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function presetsCommand(argv: readonly string[]): Promise<void> {
  const { values: o } = parseCommandLine(argv, PRESETS_OPTIONS);
  if (o.help === true) {
    process.stdout.write(PRESETS_USAGE);
    return;
  }
  const out = o.out === '-' ? undefined : (o.out ?? join(repoRoot, 'docs', 'presets.md'));
  if (o.from !== undefined) return redraw(o.from, out);
  const all = [DEFAULTS, ...Object.keys(presets)];
  const configs = o.presets?.split(',').map((s) => s.trim()) ?? all;
  for (const c of configs) if (!all.includes(c)) throw new Error(`--presets: unknown "${c}" (expected ${all.join(', ')})`);
  const runnable = configs.filter((c) => whyNotMeasured(c) === undefined);
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  for (const c of configs) {
    const why = whyNotMeasured(c);
    if (why !== undefined) process.stderr.write(`[presets] ${c}: not measured (${why})\n`);
  }
  if (runnable.length === 0) throw new Error('none of the configurations can run this workload');
  const rounds = Math.max(1, intOption(o.rounds, 'rounds', 3));
  const flatRecords = intOption(o['num-records'], 'num-records', 500_000);
  const rate = intOption(o.rate, 'rate', 20_000);
  const rateRecords = intOption(o['rate-records'], 'rate-records', 100_000);
  const recordSize = intOption(o['record-size'], 'record-size', 100);
  const { bootstrap, keepBroker, partitions, timeoutMs, showProgress } = runSettings(o, 300);
  if (flatRecords < 1000 || rateRecords < 1000 || rate < 1) throw new Error('--num-records and --rate-records must be at least 1000, --rate at least 1');
  const machine = await machineFacts();
  const started = Date.now();

  const broker = await acquireBroker(bootstrap);
  const runs: PresetRun[] = [];
  let warmupSeconds = 0;
  try {
    const payloadFile = await payloadPool(recordSize);
    const workloads = {
      flat: { records: flatRecords, throughput: -1, topic: await freshTopicName('bench-presets-flat') },
      rate: { records: rateRecords, throughput: rate, topic: await freshTopicName('bench-presets-rate') },
    };
    for (const w of Object.values(workloads)) await createBenchTopic(broker, w.topic, partitions);
    process.stderr.write(
      `[presets] ${configs.join(', ')}; ${rounds} round(s) of ${fmt(flatRecords)} records flat out and ${fmt(rateRecords)} at ${fmt(rate)}/s, ${recordSize} B\n`,
    );
    // A fresh broker needs some seconds of load before its JIT has compiled the produce path
    // (on 2 cores, well over one short run): unreported runs take them, so that they do not fall
    // on round 1.
    const warm = Math.min(flatRecords, 300_000);
    const warmStart = Date.now();
    const warmUntil = warmStart + WARMUP_MS;
    for (let i = 0; i < 5 && (i === 0 || Date.now() < warmUntil); i++) {
      const workload: Workload = {
        bootstrap: broker.bootstrap,
        topic: workloads.flat.topic,
        numRecords: warm,
        warmupRecords: defaultWarmup(warm),
        payloadFile,
        throughput: -1,
        producerProps: {},
      };
      await runOnce(-1, rounds, DEFAULTS, 'flat', workload, broker.version, timeoutMs, showProgress);
    }
    warmupSeconds = (Date.now() - warmStart) / 1000;
    for (let round = 0; round < rounds; round++) {
      for (const kind of ['flat', 'rate'] as const) {
        const w = workloads[kind];
        for (const config of rotate(runnable, round)) {
          const workload: Workload = {
            bootstrap: broker.bootstrap,
            topic: w.topic,
            numRecords: w.records,
            warmupRecords: defaultWarmup(w.records),
            payloadFile,
            throughput: w.throughput,
            producerProps: extraProps(config, runId),
            preset: config === DEFAULTS ? undefined : config,
          };
          runs.push(await runOnce(round, rounds, config, kind, workload, broker.version, timeoutMs, showProgress));
        }
      }
    }
  } finally {
    await releaseBroker(broker, keepBroker);
  }

  const report: PresetsReport = {
    kind: 'presets',
    at: new Date().toISOString(),
    command: commandLine(argv),
    revision: sourceRevision(),
    minutes: (Date.now() - started) / 60_000,
    rounds,
    warmupSeconds,
    machine: { ...(machine as unknown as PresetsReport['machine']), loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) },
    broker: { version: broker.version, kind: broker.kind },
    workload: { recordSize, partitions, flatRecords, rateRecords, rate },
    configs: configs.map((name) => medians(name, runs)),
  };
  process.stdout.write(`\n${presetsTable(report)}\n\n${rounds} round(s); ${report.minutes.toFixed(1)} min.\n`);
  const json = await writeResultFile(`presets-${timestamp()}`, { ...report, runs });
  process.stderr.write(`results: ${json}\n`);
  if (out !== undefined) await writePage(out, report);
}

async function writePage(out: string, report: PresetsReport): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, presetsPage(report));
  const shown = relative(process.cwd(), out);
  process.stderr.write(`wrote ${shown.startsWith('..') || shown === '' ? out : shown}\n`);
}

/**
 * `--from FILE`: the page of a saved run, its figures recomputed from its runs, so that a change
 * to the page (or to the one-line uses) needs no new measurement. The command, date, machine and
 * each preset's settings stay those of the run; a preset added since is listed as not measured.
 */
async function redraw(file: string, out: string | undefined): Promise<void> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as PresetsReport & { runs: PresetRun[] };
  if (saved.kind !== 'presets') throw new Error(`${file} is not a presets run's JSON`);
  const { runs, ...rest } = saved;
  // The figures from the runs; the settings as they were when measured; the uses as they are now.
  const configs = saved.configs.map((c): ConfigMedians => {
    const { skipped: _, ...figures } = medians(c.name, runs);
    const { settings, bufferMemory, skipped } = c;
    return { ...figures, settings, bufferMemory, ...(skipped !== undefined ? { skipped } : {}) };
  });
  // A preset added since the run is listed, unmeasured, rather than missing from the page.
  for (const name of Object.keys(presets)) {
    if (configs.some((c) => c.name === name)) continue;
    configs.push({
      ...medians(name, []),
      skipped: `added to the presets after this run: \`npx -y pnpm@10 bench:presets\` measures it`,
    });
  }
  const report: PresetsReport = { ...rest, configs };
  process.stdout.write(`${presetsTable(report)}\n`);
  if (out !== undefined) await writePage(out, report);
}

async function runOnce(
  round: number,
  rounds: number,
  config: string,
  kind: 'flat' | 'rate',
  workload: Workload,
  kafkaVersion: string,
  timeoutMs: number,
  showProgress: boolean,
): Promise<PresetRun> {
  const label = `${round < 0 ? 'warm-up ' : rounds > 1 ? `r${round + 1} ` : ''}${kind} ${config}`;
  const bar = new ProgressBar(label, workload.numRecords, showProgress);
  try {
    const result = await runClient('tandem', workload, { kafkaVersion, timeoutMs }, { onStart: () => bar.start(), onProgress: (n) => bar.update(n) });
    bar.finish();
    process.stderr.write(
      `  ${label.padEnd(22)} ${fmt(kind === 'rate' ? result.wholeRunRecordsPerSec : result.recordsPerSec).padStart(10)} rec/s  ` +
        `p50 ${result.latencyMs.p50.toFixed(2).padStart(7)} ms  p99 ${result.latencyMs.p99.toFixed(2).padStart(7)} ms  ` +
        `CPU ${result.cpuSecondsPerMillion.toFixed(2).padStart(6)} s/M  RSS ${fmt(result.peakRssBytes / 2 ** 20).padStart(4)} MiB` +
        `${result.errors > 0 ? `  ${result.errors} FAILED` : ''}\n`,
    );
    return { round, config, workload: kind, result };
  } catch (error) {
    bar.finish();
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    process.stderr.write(`  ${label.padEnd(22)} failed: ${message}\n`);
    return { round, config, workload: kind, error: message };
  }
}

/** A configuration's settings and medians over its runs. */
function medians(name: string, runs: readonly PresetRun[]): ConfigMedians {
  const ok = (kind: 'flat' | 'rate'): PerfResult[] =>
    runs.filter((r) => r.config === name && r.workload === kind && r.result !== undefined).map((r) => r.result!);
  const flat = ok('flat');
  const rate = ok('rate');
  const m = (results: PerfResult[], pick: (r: PerfResult) => number): number => median(results.map(pick));
  const failed = runs.filter((r) => r.config === name && r.error !== undefined);
  const skipped = whyNotMeasured(name);
  return {
    name,
    settings: settingsOf(name),
    bufferMemory: bufferMemoryOf(name),
    whenToUse: whenToUse(name),
    ...(skipped !== undefined ? { skipped } : {}),
    flat: {
      runs: flat.length,
      recordsPerSec: m(flat, (r) => r.recordsPerSec),
      recordsPerSecRange: [Math.min(...flat.map((r) => r.recordsPerSec)), Math.max(...flat.map((r) => r.recordsPerSec))],
      mibPerSec: m(flat, (r) => r.mibPerSec),
      cpuSecondsPerMillion: m(flat, (r) => r.cpuSecondsPerMillion),
      peakRssMiB: m(flat, (r) => r.peakRssBytes / 2 ** 20),
    },
    rate: {
      runs: rate.length,
      recordsPerSec: m(rate, (r) => r.wholeRunRecordsPerSec),
      p50Ms: m(rate, (r) => r.latencyMs.p50),
      p99Ms: m(rate, (r) => r.latencyMs.p99),
      p999Ms: m(rate, (r) => r.latencyMs.p999),
      loopDelayP99Ms: m(rate, (r) => r.eventLoopDelayMs?.p99 ?? Number.NaN),
    },
    notes: [
      ...failed.map((r) => `${r.workload} run of round ${r.round + 1} failed: ${r.error}`),
      ...new Set([...flat, ...rate].flatMap((r) => r.notes)),
    ],
  };
}

/** The config of the producer a configuration runs: the preset alone, plus what {@link extraProps} must add. */
function configOf(name: string, props: Record<string, string> = {}): Parameters<typeof resolveProducerConfig>[0] {
  return { ...props, 'bootstrap.servers': 'localhost:9092', ...(name === DEFAULTS ? {} : { preset: name as never }) };
}

/**
 * What a configuration needs besides its preset to run at all: a transactional one (exactlyOnce)
 * needs a `transactional.id` of the application's. With one, the Tandem driver runs every record
 * inside a transaction and commits every 100 ms (see clients/tandem.ts).
 */
function extraProps(name: string, runId: string): Record<string, string> {
  try {
    resolveProducerConfig(configOf(name));
    return {};
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.includes('transactional.id') ? { 'transactional.id': `bench-presets-${name}-${runId}` } : {};
  }
}

/** Why a configuration cannot run this workload even with {@link extraProps}, or undefined when it can. */
function whyNotMeasured(name: string): string | undefined {
  try {
    resolveProducerConfig(configOf(name, extraProps(name, 'check')));
    return undefined;
  } catch (error) {
    return `it does not configure a producer on its own (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/** `buffer.memory` as the producer resolves it with this configuration (or the preset's own, or the default). */
function bufferMemoryOf(name: string): number {
  try {
    return resolveProducerConfig(configOf(name))['buffer.memory'];
  } catch {
    const own = (presets as Readonly<Record<string, Readonly<Record<string, unknown>>>>)[name]?.['buffer.memory'];
    return own !== undefined ? Number(own) : resolveProducerConfig(configOf(DEFAULTS))['buffer.memory'];
  }
}

/**
 * A preset's own settings, from the `presets` export; for the defaults, the default value of
 * every key some preset sets, so the two tables can be read side by side.
 */
function settingsOf(name: string): Record<string, unknown> {
  const table = presets as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  if (name !== DEFAULTS) return { ...table[name] };
  const defaults = resolveProducerConfig({ 'bootstrap.servers': 'localhost:9092' }) as unknown as Record<string, unknown>;
  const keys = [...new Set(Object.values(table).flatMap((p) => Object.keys(p)))].sort();
  return Object.fromEntries(keys.filter((k) => defaults[k] !== undefined && defaults[k] !== null).map((k) => [k, defaults[k]]));
}

/** The command as typed: the root script and the options given. */
function commandLine(argv: readonly string[]): string {
  const args = argv.filter((a) => a !== '--');
  return `npx -y pnpm@10 bench:presets${args.length > 0 ? ` ${args.join(' ')}` : ''}`;
}
