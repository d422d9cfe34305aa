/**
 * When to pick each configuration, one line each, for docs/presets.md.
 *
 * The presets' TSDoc (packages/producer/src/config/presets.ts) says what each one sets and why;
 * these lines say when a user would want it, which is what a reader of the measured table asks.
 * A preset added to the producer without a line here still gets one: the first sentence of its
 * TSDoc, read from the source, so the page never silently drops a preset.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

/** The name the page and `--presets` give the producer with no preset. */
export const DEFAULTS = 'defaults';

const WHEN_TO_USE: Readonly<Record<string, string>> = {
  [DEFAULTS]:
    "Java's defaults: acks=all with idempotence, 5 ms linger, 16 KiB batches, no compression. A sound start for most applications.",
  throughput:
    'High-rate streams (events, logs, change data capture) where tens of milliseconds more per record buy fewer, larger, compressed requests.',
  latency:
    'Request-driven traffic where each record should leave at once (no linger, no compression), at rates where batches need no wait to fill.',
  durable:
    "Records that must not be lost, duplicated or reordered (orders, payments): pins acks=all and idempotence, refuses overrides that would weaken them, retries for 5 min. Tandem's defaults are already acks=all and idempotent, so it should cost nothing over them.",
  lowMemory:
    'Small containers, or many producers in one process: 4 MiB of buffer and small batches; sends wait for memory instead of using more.',
  exactlyOnce:
    'Consume-transform-produce, or writes to several partitions that must land together or not at all: transactions, with a transactional.id of your own.',
};

/** The source the fallback reads a preset's TSDoc from. */
const PRESETS_SOURCE = join(repoRoot, 'packages', 'producer', 'src', 'config', 'presets.ts');

/** One line on when to use `name`: ours, else its TSDoc's first sentence, else a placeholder. */
export function whenToUse(name: string): string {
  return WHEN_TO_USE[name] ?? tsdocSummary(name) ?? `(no description yet: add one to benchmarks/presets/uses.ts)`;
}

/** The first sentence of the TSDoc above `const <name>: PresetConfig` in the presets' source. */
function tsdocSummary(name: string): string | undefined {
  let source: string;
  try {
    source = readFileSync(PRESETS_SOURCE, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(String.raw`/\*\*([\s\S]*?)\*/\s*const ${name}\b`).exec(source);
  if (match === null) return undefined;
  const text = match[1]!
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .trim();
  const sentence = /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;
  return sentence === '' ? undefined : sentence;
}
