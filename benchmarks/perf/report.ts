/**
 * Printing and saving results: one run in kafka-producer-perf-test's words, and the JSON files
 * under benchmarks/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, resultsDir } from '../paths.js';
import { CLIENT_LABELS, type PerfResult } from './workload.js';

/** A number with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with precision that fits their size (0.123, 1.23, 12.3, 123). */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 1) return n.toFixed(3);
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return n.toFixed(0);
}

/** Bytes as MiB. */
export function mib(bytes: number): string {
  return bytes > 0 ? (bytes / (1024 * 1024)).toFixed(0) : '-';
}

/** The lines the perf command prints for one run. */
export function describeResult(r: PerfResult): string[] {
  const l = r.latencyMs;
  const lines = [
    `${CLIENT_LABELS[r.client]} ${r.clientVersion}`,
    `${fmt(r.records)} records sent, ${fmt(r.recordsPerSec, 1)} records/sec (${r.mibPerSec.toFixed(2)} MiB/sec), ` +
      `latency ${ms(l.avg)} ms avg, ${ms(l.p50)} ms p50, ${ms(l.p99)} ms p99, ${ms(l.p999)} ms p99.9, ${ms(l.max)} ms max` +
      (r.latencyResolutionMs >= 1 ? ' (whole ms)' : ''),
    `client CPU ${r.cpuSecondsPerMillion.toFixed(2)} s per million records (${r.cpuSeconds.toFixed(2)} s), peak RSS ${mib(r.peakRssBytes)} MiB` +
      (r.eventLoopDelayMs !== null
        ? `, event-loop delay p50 ${ms(r.eventLoopDelayMs.p50)} ms, p99 ${ms(r.eventLoopDelayMs.p99)} ms, max ${ms(r.eventLoopDelayMs.max)} ms`
        : ''),
  ];
  if (r.errors > 0) lines.push(`${fmt(r.errors)} records FAILED`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines;
}

/** `2025-11-25T08-30-12`: a file-name-safe local timestamp. */
export function timestamp(date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}

/** Writes `data` as benchmarks/results/<name>.json and returns the path. */
export async function writeResultFile(name: string, data: unknown): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/**
 * The commit the measured code is at (short hash), with a warning when the packages' sources
 * differ from it: a figure is only as reproducible as the code it measured. `unknown` outside git.
 */
export function sourceRevision(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--', 'packages').length > 0 ? `${commit} with uncommitted changes under packages/` : commit;
  } catch {
    return 'unknown';
  }
}

/** Facts about the machine, saved with every result. */
export async function machineFacts(): Promise<Record<string, unknown>> {
  const os = await import('node:os');
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}
