/**
 * docs/presets.md, from a presets run: the measured table, how it was produced, the workload,
 * and each preset's settings with a line on when to use it. Everything on the page comes from
 * the run's report, so the page is rewritten whole on every run and never edited by hand.
 */
import { fmt, ms } from '../perf/report.js';

/** The medians of one configuration (the defaults, or one preset) over the rounds. */
export interface ConfigMedians {
  /** `defaults` or a preset's name. */
  name: string;
  /** The preset's own settings (the `presets` export), or for the defaults, the defaults of the keys presets set. */
  settings: Record<string, unknown>;
  /** `buffer.memory` as the producer resolves it with this preset. */
  bufferMemory: number;
  whenToUse: string;
  /** Why it was not measured (it cannot run the plain send workload), if it was not. */
  skipped?: string;
  /** The flat-out run: throughput, CPU and memory. */
  flat: {
    runs: number;
    recordsPerSec: number;
    /** The lowest and highest records/s of the rounds: how much the shared machine moved them. */
    recordsPerSecRange: [number, number];
    mibPerSec: number;
    cpuSecondsPerMillion: number;
    peakRssMiB: number;
  };
  /** The fixed-rate run: latency, and the rate achieved over the whole run (did it keep up). */
  rate: { runs: number; recordsPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number; loopDelayP99Ms: number };
  /** Failed runs and drivers' notes. */
  notes: string[];
}

/** A whole presets run, as saved to JSON and drawn on the page. */
export interface PresetsReport {
  kind: 'presets';
  at: string;
  /** The command as a user would type it. */
  command: string;
  /** The git commit of the code measured (and whether packages/ differed from it). */
  revision: string;
  minutes: number;
  rounds: number;
  /** Seconds of unreported runs that warmed the broker up before round 1 (not saved by the first runs). */
  warmupSeconds?: number;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    /** 1, 5 and 15 minute load averages: how busy the shared machine was. */
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  broker: { version: string; kind: 'harness' | 'external' };
  workload: { recordSize: number; partitions: number; flatRecords: number; rateRecords: number; rate: number };
  configs: ConfigMedians[];
}

/** Below this share of the offered rate, a fixed-rate run "did not keep up" and says so. */
const KEPT_UP = 0.97;

/** Keys whose values are byte counts, shown with their size in KiB/MiB too. */
const BYTE_KEYS = new Set(['batch.size', 'buffer.memory', 'max.request.size', 'send.buffer.bytes', 'receive.buffer.bytes']);

/** Records/s in thousands: `269k`. */
function thousands(n: number): string {
  return `${fmt(n / 1000)}k`;
}

/** A byte count as the page shows it: `4 MiB`, `128 KiB`, or bytes. */
function size(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${fmt(bytes)} B`;
}

/** One setting as `key=value`, in the words a config file would use (acks -1 is `all`). */
function setting(key: string, value: unknown): string {
  const shown = key === 'acks' && (value === -1 || value === '-1') ? 'all' : String(value);
  const hint = BYTE_KEYS.has(key) && typeof value === 'number' && value >= 1024 ? ` (${size(value)})` : '';
  return `\`${key}=${shown}\`${hint}`;
}

/** The measured table alone (also printed by the command). */
export function presetsTable(report: PresetsReport): string {
  const { rate } = report.workload;
  const base = report.configs.find((c) => c.name === 'defaults' && c.flat.runs > 0);
  const rows = report.configs.map((c) => {
    const kept = c.rate.runs > 0 && c.rate.recordsPerSec >= rate * KEPT_UP;
    const mark = c.rate.runs > 0 && !kept ? ' †' : '';
    const vs = base !== undefined && c.flat.runs > 0 ? `${(c.flat.recordsPerSec / base.flat.recordsPerSec).toFixed(2)}x` : '-';
    const flat = c.flat.runs > 0;
    const lat = c.rate.runs > 0;
    if (c.skipped !== undefined) return [`\`${c.name}\``, 'not measured', '-', '-', '-', '-', '-', '-', size(c.bufferMemory), '-'];
    const [low, high] = c.flat.recordsPerSecRange;
    return [
      `\`${c.name}\``,
      flat ? fmt(c.flat.recordsPerSec) : 'failed',
      flat && c.flat.runs > 1 ? `${thousands(low)}-${thousands(high)}` : '-',
      flat ? c.flat.mibPerSec.toFixed(1) : '-',
      vs,
      lat ? `${ms(c.rate.p50Ms)}${mark}` : 'failed',
      lat ? `${ms(c.rate.p99Ms)}${mark}` : '-',
      flat ? fmt(c.flat.peakRssMiB) : '-',
      size(c.bufferMemory),
      flat ? c.flat.cpuSecondsPerMillion.toFixed(2) : '-',
    ];
  });
  const head = ['configuration', 'records/s', 'rounds\' range', 'MiB/s', 'vs defaults', `p50 ms at ${fmt(rate)}/s`, `p99 ms at ${fmt(rate)}/s`, 'peak RSS MiB', 'buffer.memory', 'CPU s per M records'];
  const align = ['---', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:'];
  return [head, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The whole of docs/presets.md. */
export function presetsPage(report: PresetsReport): string {
  const w = report.workload;
  const m = report.machine;
  const date = report.at.slice(0, 10);
  const behind = report.configs.filter((c) => c.rate.runs > 0 && c.rate.recordsPerSec < w.rate * KEPT_UP);
  const notes = report.configs.flatMap((c) => [
    ...(c.skipped !== undefined ? [`- \`${c.name}\`: not measured: ${c.skipped}.`] : []),
    ...c.notes.map((n) => `- \`${c.name}\`: ${n}`),
  ]);
  const settingsRows = report.configs.map((c) => {
    const shown = Object.entries(c.settings).map(([k, v]) => setting(k, v));
    return `| \`${c.name}\` | ${shown.join('<br>')} | ${c.whenToUse} |`;
  });
  const warmup = (n: number): string => fmt(Math.min(50_000, Math.floor(n / 10)));

  return [
    '# Presets, measured',
    '',
    `<!-- Generated by \`${report.command}\` (benchmarks/presets/). Do not edit: rerun it. -->`,
    '',
    "A preset is a named set of producer settings for one goal (`preset: 'throughput'`), to start",
    'from and override; they are defined and explained in',
    '[packages/producer/src/config/presets.ts](../packages/producer/src/config/presets.ts).',
    'Below, the same Tandem workload runs once per preset and once with no preset at all, nothing',
    'else set, against the same broker.',
    '',
    presetsTable(report),
    '',
    `- **records/s, MiB/s, CPU, peak RSS**: the flat-out run, ${fmt(w.flatRecords)} records of ${w.recordSize} bytes sent as fast as`,
    `  the producer takes them. records/s and MiB/s (payload, 2^20 bytes) leave out the first ${warmup(w.flatRecords)} records (warm-up);`,
    '  CPU is the client process\'s user + system time over the whole send loop (application thread, Sender',
    '  worker, GC), per million records; peak RSS is the whole Node.js process\'s.',
    `- **p50, p99**: the fixed-rate run, ${fmt(w.rateRecords)} records offered at ${fmt(w.rate)}/s; latency from \`send()\` to the`,
    `  acknowledgement, leaving out the first ${warmup(w.rateRecords)} records.` +
      (behind.length > 0 ? ` †: did not keep up with the offered rate (${behind.map((c) => `\`${c.name}\` ${fmt(c.rate.recordsPerSec)}/s`).join(', ')}).` : ' Every configuration kept up with the offered rate.'),
    '- **buffer.memory**: what the producer reserves for records waiting to be sent (one SharedArrayBuffer;',
    '  RSS counts only the pages it has touched). The benchmark keeps at most that much payload unacknowledged.',
    '- **vs defaults**: records/s over those of the producer with no preset; **rounds\' range**: the lowest and highest',
    '  records/s of the rounds, the noise to read the medians against.',
    ...(notes.length > 0 ? ['', 'Notes from the runs:', '', ...notes] : []),
    '',
    '## How this was produced',
    '',
    `- Command: \`${report.command}\`, on ${date}, at commit ${report.revision}; it took ${report.minutes.toFixed(1)} min.`,
    `- Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.platform}; Node.js ${m.node}; load average ${m.loadAverageAtStart.join(', ')} at the start, ${m.loadAverageAtEnd.join(', ')} at the end.`,
    report.broker.kind === 'harness'
      ? `- Broker: Apache Kafka ${report.broker.version}, one broker on the same machine (the benchmarks' \`bench\` cluster), topics of ${w.partitions} partitions, replication factor 1.`
      : `- Broker: an external cluster (Kafka ${report.broker.version} assumed), topics of ${w.partitions} partitions.`,
    `- ${report.rounds} round${report.rounds === 1 ? '' : 's'}, after ${report.warmupSeconds === undefined ? '' : `${Math.round(report.warmupSeconds)} s of `}unreported runs that warm the broker up: in each round, every`,
    '  configuration ran the flat-out workload once, then the fixed-rate one once, each in a fresh Node.js process, in an',
    '  order rotated from round to round; every figure is the median over the rounds.',
    `- **These figures are from a shared ${m.cpus}-core machine**: the client, the broker and other engineers' test runs compete`,
    `  for the same ${m.cpus} cores, so absolute figures are low and differences of 10-20% can be noise. Compare presets with each other,`,
    '  not with other pages, and rerun on your own hardware before relying on a figure: `npx -y pnpm@10 bench:presets --rounds 5`,',
    '  or `--bootstrap host:port` for your own cluster. One run by hand: `npx -y pnpm@10 bench:perf --preset throughput`.',
    '- **Network is free here, CPU is not**: the broker is on the same machine (loopback) with one replica, so what bigger',
    '  batches and compression save on a real cluster (network, replication, broker disk) barely shows, while their CPU cost,',
    '  on the client and on the broker that checks every compressed batch, competes for the same cores as everything else.',
    '',
    '## The presets',
    '',
    'Each preset\'s own settings (the `presets` export of `@tandem/producer`); everything else keeps its default. For the',
    'defaults, the default values of the keys that the presets set.',
    '',
    '| configuration | settings | when to use it |',
    '|---|---|---|',
    ...settingsRows,
    '',
    "Presets compose (`preset: ['lowMemory', 'durable']`, later wins) and keys set beside them win over them. None lowers",
    '`acks` below `all`: add `acks: 1` yourself if you accept losing acknowledged records when a leader fails.',
    '',
  ].join('\n');
}
