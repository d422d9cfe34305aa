/**
 * The comparison's chart: throughput (flat-out scenarios) and p99 latency (every scenario) per
 * client, grouped by scenario. A Vega-Lite spec, compiled to Vega and rendered to SVG in Node
 * by vega's headless View (no canvas, no browser, no native parts: text widths are estimated,
 * which is fine for labels).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CLIENT_LABELS, CLIENT_NAMES } from '../perf/workload.js';
import { isFixedRate } from './scenarios.js';
import type { ScenarioSummary } from './summary.js';

/** Client colours, fixed so that a client keeps its colour from one chart to the next. */
const COLOURS: Record<string, string> = {
  [CLIENT_LABELS.tandem]: '#2b6cb0',
  [CLIENT_LABELS.kafkajs]: '#d69e2e',
  [CLIENT_LABELS.confluent]: '#805ad5',
  [CLIENT_LABELS.java]: '#c53030',
};

interface Row {
  scenario: string;
  client: string;
  recordsPerSec: number | null;
  p99Ms: number;
}

/** The Vega-Lite spec of the chart, for the summaries given. */
export function comparisonChartSpec(summaries: readonly ScenarioSummary[], title: { text: string; subtitle?: string | string[] }): TopLevelSpec {
  const rows: Row[] = summaries.flatMap((s) =>
    s.clients
      .filter((c) => c.runs > 0)
      .map((c) => ({
        scenario: s.scenario.label,
        client: CLIENT_LABELS[c.client],
        recordsPerSec: isFixedRate(s.scenario) ? null : Math.round(c.recordsPerSec),
        // A log scale has no 0: ProducerPerformance's "0 ms" becomes its resolution's half.
        p99Ms: Math.max(c.p99Ms, 0.5 * Math.max(c.latencyResolutionMs, 0.001)),
      })),
  );
  // Log-scale bars need a floor to stand on: the power of ten below the smallest p99.
  // and a ceiling, the power of ten above the largest, so that no bar runs into the frame; ticks
  // and grid lines at the powers of ten between (the 2s and 3s between them crowd the axis).
  const smallest = Math.min(...rows.map((r) => r.p99Ms), 1);
  const floor = 10 ** Math.floor(Math.log10(smallest));
  const ceiling = 10 ** Math.ceil(Math.log10(Math.max(...rows.map((r) => r.p99Ms), floor * 10)));
  const decades: number[] = [];
  for (let v = floor; v <= ceiling; v *= 10) decades.push(v);
  const clientOrder = CLIENT_NAMES.map((c) => CLIENT_LABELS[c]);
  const scenarioOrder = summaries.map((s) => s.scenario.label);
  const color = {
    field: 'client',
    type: 'nominal',
    title: 'client',
    sort: clientOrder,
    scale: { domain: clientOrder, range: clientOrder.map((c) => COLOURS[c]!) },
    legend: { orient: 'top', labelLimit: 300 },
  } as const;
  const x = { field: 'scenario', type: 'nominal', sort: scenarioOrder, title: null, axis: { labelAngle: -30, labelLimit: 200 } } as const;
  const xOffset = { field: 'client', type: 'nominal', sort: clientOrder } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { ...title, anchor: 'start', subtitleColor: '#555' },
    data: { values: rows },
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null } },
    vconcat: [
      {
        title: 'Throughput, flat out (records/s, higher is better)',
        width: 640,
        height: 220,
        transform: [{ filter: 'datum.recordsPerSec != null' }],
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y: { field: 'recordsPerSec', type: 'quantitative', title: 'records/s', axis: { format: '~s' } },
          color,
          tooltip: [{ field: 'client' }, { field: 'scenario' }, { field: 'recordsPerSec', format: ',' }],
        },
      },
      {
        title: 'Send-to-ack latency p99 (ms, log scale, lower is better)',
        width: 640,
        height: 220,
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y: {
            field: 'p99Ms',
            type: 'quantitative',
            title: 'p99 ms',
            scale: { type: 'log', domain: [floor, ceiling], nice: false },
            axis: { values: decades, format: ',~g' },
          },
          y2: { datum: floor },
          color,
          tooltip: [{ field: 'client' }, { field: 'scenario' }, { field: 'p99Ms', format: '.2f' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Renders the chart to an SVG document. */
export async function renderComparisonChart(summaries: readonly ScenarioSummary[], title: { text: string; subtitle?: string | string[] }): Promise<string> {
  const vegaSpec = compile(comparisonChartSpec(summaries, title)).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
