/**
 * How a comparison was produced, said beside its figures: the command, the date, the commit,
 * the machine and the broker, under the Markdown table and in the chart's subtitle. A chart
 * copied into a README travels without its JSON; this is what lets a reader judge it.
 */
import { fmt } from '../perf/report.js';

/** The facts a comparison's JSON keeps about its run (earlier runs saved no command or revision). */
export interface Provenance {
  /** ISO time the comparison finished. */
  at: string;
  minutes: number;
  /** The command as typed. */
  command?: string;
  /** The commit measured (see sourceRevision). */
  revision?: string;
  machine: { node: string; cpus: number; cpuModel: string; memoryGiB: number; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] };
  broker: { version: string; kind: 'harness' | 'external' };
  options: { quick: boolean; rounds: number; scale: number; partitions: number; clients?: string[]; preset?: string };
}

/** The command of a saved run: as saved, or rebuilt from its options for runs that saved none. */
function commandOf(p: Provenance): string {
  if (p.command !== undefined) return p.command;
  const o = p.options;
  const quickScale = o.quick ? 1 / 3 : 1;
  const args = [
    o.quick ? ' --quick' : '',
    o.rounds !== (o.quick ? 1 : 3) ? ` --rounds ${o.rounds}` : '',
    Math.abs(o.scale - quickScale) > 1e-9 ? ` --scale ${fmt(o.scale / quickScale, 2)}` : '',
    o.preset !== undefined ? ` --preset ${o.preset}` : '',
  ];
  return `npx -y pnpm@10 bench:compare${args.join('')}`;
}

/** The paragraph under the Markdown table. */
export function provenanceNote(p: Provenance): string {
  const m = p.machine;
  const load = `load average ${m.loadAverageAtStart.join(', ')} at the start${m.loadAverageAtEnd !== undefined ? `, ${m.loadAverageAtEnd.join(', ')} at the end` : ''}`;
  const broker =
    p.broker.kind === 'harness'
      ? `Apache Kafka ${p.broker.version}, one broker on the same machine, topics of ${p.options.partitions} partitions`
      : `an external cluster (Kafka ${p.broker.version} assumed), topics of ${p.options.partitions} partitions`;
  return [
    `Produced by \`${commandOf(p)}\` on ${p.at.slice(0, 10)}${p.revision !== undefined ? ` at commit ${p.revision}` : ''}: ` +
      `${p.options.rounds} round${p.options.rounds === 1 ? '' : 's'} per scenario (medians), ${broker}; ${p.minutes.toFixed(1)} min.`,
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node.js ${m.node}; ${load}.`,
    `These figures are from a shared ${m.cpus}-core machine: every client competes with the broker, and with other engineers' test runs,`,
    'for the same cores. Compare the clients with each other (the ratios), not with figures from elsewhere, and rerun with',
    '`--rounds 5` before believing a small difference.',
  ].join('\n');
}

/** The chart's title, and a subtitle (two short lines: the chart is no wider than its plots) with the facts it needs to be read alone. */
export function chartTitle(p: Provenance): { text: string; subtitle: string[] } {
  const m = p.machine;
  const rounds = `${p.options.rounds} round${p.options.rounds === 1 ? '' : 's'}, medians`;
  const broker = p.broker.kind === 'harness' ? `Kafka ${p.broker.version}, one broker on the same machine` : 'an external cluster';
  return {
    text: `Tandem and the clients users would pick instead (${rounds})`,
    subtitle: [`${p.at.slice(0, 10)} · a shared ${m.cpus}-core machine · Node.js ${m.node}`, broker],
  };
}
