/**
 * The comparison as a Markdown table: readable in a terminal, and pasted as it is into the
 * README or a note.
 */
import { fmt, ms } from '../perf/report.js';
import { CLIENT_LABELS } from '../perf/workload.js';
import type { ScenarioSummary } from './summary.js';

const HEADER = ['scenario', 'client', 'records/s', 'MiB/s', 'vs Tandem', 'p50 ms', 'p99 ms', 'p99.9 ms', 'CPU s/M rec', 'CPU vs Tandem', 'peak RSS MiB', 'loop p99 ms'];

function ratio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`;
}

/** One row per scenario and client; failed clients get a row that says why. */
export function comparisonTable(summaries: readonly ScenarioSummary[]): string {
  const rows: string[][] = [];
  for (const s of summaries) {
    for (const c of s.clients) {
      const name = CLIENT_LABELS[c.client];
      if (c.runs === 0) {
        rows.push([s.scenario.label, name, `failed: ${(c.error ?? 'no result').replace(/\|/g, '/').slice(0, 120)}`, '', '', '', '', '', '', '', '', '']);
        continue;
      }
      // ProducerPerformance's latencies are whole milliseconds: "<1" says so for a 0.
      const lat = (v: number): string => (c.latencyResolutionMs >= 1 && v === 0 ? '<1' : ms(v));
      rows.push([
        s.scenario.label,
        name,
        fmt(c.recordsPerSec),
        c.mibPerSec.toFixed(1),
        ratio(c.vsTandem?.recordsPerSec),
        lat(c.p50Ms),
        lat(c.p99Ms),
        lat(c.p999Ms),
        c.cpuSecondsPerMillion.toFixed(2),
        ratio(c.vsTandem?.cpuSecondsPerMillion),
        c.peakRssMiB.toFixed(0),
        c.loopDelayP99Ms === null ? '-' : ms(c.loopDelayP99Ms),
      ]);
    }
  }
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line), '', ...TABLE_NOTES].join('\n');
}

/** What the columns mean, printed under the table. */
const TABLE_NOTES = [
  'records/s: after the warm-up (10% of the records, at most 50,000); in fixed-rate scenarios (n/s), over the whole run: whether the client kept up.',
  'vs Tandem: the client\'s median over Tandem\'s. Latency: send() to acknowledgement. CPU s/M rec: CPU seconds of the client\'s process per million records.',
  'loop p99: the event loop\'s delay (Node.js clients). Java\'s latencies are whole milliseconds (<1 is 0 ms).',
];
