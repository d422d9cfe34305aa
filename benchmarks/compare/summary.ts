/**
 * From the runs of a comparison to its figures: per scenario and client, the median of each
 * metric over the rounds (each metric on its own, so one slow round moves no median), and the
 * ratio of each client's median to Tandem's.
 */
import type { ClientName, PerfResult } from '../perf/workload.js';
import { isFixedRate, type Scenario } from './scenarios.js';

/** One run of one client in one round. */
export interface RunRecord {
  round: number;
  client: ClientName;
  result?: PerfResult;
  error?: string;
}

/** The medians of one client in one scenario. */
export interface ClientMedians {
  client: ClientName;
  clientVersion: string;
  /** Successful runs the medians are taken over. */
  runs: number;
  /** Steady-state records/s (flat out), or records/s over the whole run (fixed rate: did it keep up?). */
  recordsPerSec: number;
  mibPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
  /** Null for the Java client. */
  loopDelayP99Ms: number | null;
  loopDelayMaxMs: number | null;
  latencyResolutionMs: number;
  /** This client's median over Tandem's (null when Tandem has no result). */
  vsTandem: { recordsPerSec: number; p99Ms: number; cpuSecondsPerMillion: number } | null;
  /** The last error, when no run succeeded (or some failed). */
  error?: string;
  notes: string[];
}

export interface ScenarioSummary {
  scenario: Scenario;
  topic: string;
  clients: ClientMedians[];
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(scenario: Scenario, topic: string, clients: readonly ClientName[], runs: readonly RunRecord[]): ScenarioSummary {
  const fixedRate = isFixedRate(scenario);
  const perClient = clients.map((client): ClientMedians => {
    const mine = runs.filter((r) => r.client === client);
    const ok = mine.map((r) => r.result).filter((r): r is PerfResult => r !== undefined);
    const failures = mine.filter((r) => r.error !== undefined);
    const m = (pick: (r: PerfResult) => number): number => median(ok.map(pick));
    const loops = ok.map((r) => r.eventLoopDelayMs).filter((d) => d !== null);
    return {
      client,
      clientVersion: ok[0]?.clientVersion ?? '',
      runs: ok.length,
      recordsPerSec: fixedRate ? m((r) => r.wholeRunRecordsPerSec) : m((r) => r.recordsPerSec),
      mibPerSec: fixedRate ? m((r) => (r.wholeRunRecordsPerSec * r.mibPerSec) / r.recordsPerSec) : m((r) => r.mibPerSec),
      p50Ms: m((r) => r.latencyMs.p50),
      p99Ms: m((r) => r.latencyMs.p99),
      p999Ms: m((r) => r.latencyMs.p999),
      maxMs: m((r) => r.latencyMs.max),
      cpuSecondsPerMillion: m((r) => r.cpuSecondsPerMillion),
      peakRssMiB: m((r) => r.peakRssBytes / (1024 * 1024)),
      loopDelayP99Ms: loops.length > 0 ? median(loops.map((d) => d.p99)) : null,
      loopDelayMaxMs: loops.length > 0 ? median(loops.map((d) => d.max)) : null,
      latencyResolutionMs: ok[0]?.latencyResolutionMs ?? 0,
      vsTandem: null,
      ...(failures.length > 0 ? { error: `${failures.length} of ${mine.length} runs failed: ${failures.at(-1)!.error}` } : {}),
      notes: [...new Set(ok.flatMap((r) => r.notes))],
    };
  });
  const tandem = perClient.find((c) => c.client === 'tandem' && c.runs > 0);
  if (tandem !== undefined) {
    for (const c of perClient) {
      if (c.runs === 0) continue;
      c.vsTandem = {
        recordsPerSec: c.recordsPerSec / tandem.recordsPerSec,
        p99Ms: c.p99Ms / tandem.p99Ms,
        cpuSecondsPerMillion: c.cpuSecondsPerMillion / tandem.cpuSecondsPerMillion,
      };
    }
  }
  return { scenario, topic, clients: perClient };
}
