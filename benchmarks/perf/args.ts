/**
 * The bench commands' command line (perf, compare, presets): each command's options as one
 * table, from which both Node's util.parseArgs configuration and the `--help` text are made, so
 * the two cannot drift apart; the options every command that runs against a broker takes
 * ({@link runOptionTable}, {@link runSettings}); and kafka-producer-perf-test's one unusual form,
 * `--producer-props k=v k=v ...` (every word up to the next `--option`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { progressWanted } from './progress.js';

/** One option: how util.parseArgs reads it, and its line in the command's `--help`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** A one-letter alias, e.g. `h` for `-h`. */
  readonly short?: string;
  /** The value's placeholder in the help line (`N`, `HOST:PORT`, ...). */
  readonly value?: string;
  /** The help line's text; an option without one (`--help` itself) is not listed. */
  readonly help?: string;
}

/** A command's options by name (without the `--`), in the order its `--help` lists them. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The values util.parseArgs gives for a table: a string option's text, a boolean's `true`. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

/** The parsed values, and the producer properties. */
export interface ParsedArgs<T> {
  values: T;
  positionals: string[];
  producerProps: Record<string, string>;
}

/** `--producer-props`: not read by util.parseArgs but by {@link parseCommandLine} itself. */
const PRODUCER_PROPS = 'producer-props';

/**
 * Parses `argv` with a command's option table; `--producer-props` (repeatable) gathers k=v
 * words, whether or not the table lists it.
 */
export function parseCommandLine<T extends OptionTable>(argv: readonly string[], table: T): ParsedArgs<OptionValues<T>> {
  const rest: string[] = [];
  const producerProps: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    // `pnpm bench -- --quick` passes the `--` on: it separates nothing here.
    if (argv[i] === '--') continue;
    if (argv[i] !== `--${PRODUCER_PROPS}`) {
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
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(table)) {
    if (name === PRODUCER_PROPS) continue;
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  const parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  return { values: parsed.values as OptionValues<T>, positionals: parsed.positionals, producerProps };
}

/**
 * A command's `--help`: its usage line, then a line per option of `table`, in the table's order.
 *
 * @example
 * usage('perf', { topic: { type: 'string', value: 'NAME', help: 'topic to produce to' } })
 * // usage: bench perf [options]
 * //
 * //   --topic NAME             topic to produce to
 */
export function usage(command: string, table: OptionTable): string {
  const lines = Object.entries(table)
    .filter(([, spec]) => spec.help !== undefined)
    .map(([name, spec]) => `  ${`--${name}${spec.value !== undefined ? ` ${spec.value}` : ''}`.padEnd(24)} ${spec.help}`);
  return `usage: bench ${command} [options]\n\n${lines.join('\n')}\n`;
}

/**
 * The options of every command that runs clients against a broker, last in its table:
 * `--partitions`, `--bootstrap`, `--keep-broker`, `--progress`, `--timeout` and `-h`/`--help`.
 * What the partitions are of and what one run is differ by command, so those two lines (and
 * perf's wording of `--progress`) are the command's; {@link runSettings} reads the values.
 *
 * @example
 * const OPTIONS = {
 *   rounds: { type: 'string', value: 'N', help: 'rounds (default 3)' },
 *   ...runOptionTable({ partitions: 'partitions of the topics (default 6)', timeout: 'give up on one run after this long (default 300)' }),
 * } as const satisfies OptionTable;
 */
export function runOptionTable(help: { partitions: string; timeout: string; progress?: string }) {
  return {
    partitions: { type: 'string', value: 'N', help: help.partitions },
    bootstrap: {
      type: 'string',
      value: 'HOST:PORT',
      help: 'the cluster (default: KAFKA_BOOTSTRAP, else the "bench" harness broker, started on demand)',
    },
    'keep-broker': { type: 'boolean', help: 'leave a harness broker this command started running' },
    progress: { type: 'boolean', help: help.progress ?? 'draw progress even when stderr is not a terminal' },
    timeout: { type: 'string', value: 'SECONDS', help: help.timeout },
    help: { type: 'boolean', short: 'h' },
  } as const satisfies OptionTable;
}

/** The values of {@link runOptionTable}'s options, parsed. */
export interface RunSettings {
  /** `--bootstrap`, for acquireBroker (undefined: KAFKA_BOOTSTRAP, else the harness broker). */
  readonly bootstrap: string | undefined;
  /** `--keep-broker`, for releaseBroker. */
  readonly keepBroker: boolean;
  /** `--partitions`: of each topic the command creates (default 6). */
  readonly partitions: number;
  /** `--timeout`, in milliseconds: how long one client run may take. */
  readonly timeoutMs: number;
  /** Whether to draw progress bars: `--progress`, or stderr is a terminal. */
  readonly showProgress: boolean;
}

/** Reads {@link runOptionTable}'s options; `timeoutSeconds` is `--timeout`'s default. */
export function runSettings(values: OptionValues<ReturnType<typeof runOptionTable>>, timeoutSeconds: number): RunSettings {
  return {
    bootstrap: values.bootstrap,
    keepBroker: values['keep-broker'] === true,
    partitions: intOption(values.partitions, 'partitions', 6),
    timeoutMs: intOption(values.timeout, 'timeout', timeoutSeconds) * 1000,
    showProgress: progressWanted(values.progress === true),
  };
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
