/**
 * Command-line parsing shared by the perf command and the comparison: Node's util.parseArgs,
 * plus kafka-producer-perf-test's one unusual form, `--producer-props k=v k=v ...` (every word up
 * to the next `--option`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The parsed values, and the producer properties. */
export interface ParsedArgs<T> {
  values: T;
  positionals: string[];
  producerProps: Record<string, string>;
}

/** Parses `argv` with `options`; `--producer-props` (repeatable) gathers k=v words. */
export function parseCommandLine<T>(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): ParsedArgs<T> {
  const rest: string[] = [];
  const producerProps: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    // `pnpm bench -- --quick` passes the `--` on: it separates nothing here.
    if (argv[i] === '--') continue;
    if (argv[i] !== '--producer-props') {
      rest.push(argv[i]!);
      continue;
    }
    while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      const pair = argv[++i]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--producer-props ${pair}: expected key=value`);
      producerProps[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  return { values: parsed.values as T, positionals: parsed.positionals, producerProps };
}

/** A positive integer option, or the fallback. */
export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} ${value}: expected a non-negative integer`);
  return n;
}

/** A number option (may be -1), or the fallback. */
export function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(n)) throw new Error(`--${name} ${value}: expected a number`);
  return n;
}
