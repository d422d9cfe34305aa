/**
 * `bench profile <file.cpuprofile> [--top N] [--lines fn,fn]`: reads a V8 CPU profile (written
 * by `node --cpu-prof`, or by `bench perf --cpu-prof` into benchmarks/results/; one file per
 * thread: the Sender worker's is its own) and prints where the busy samples went:
 *
 * - self: samples whose top frame is the function (its own code, and what V8 inlined into it);
 * - inclusive: samples with the function anywhere on the stack (counted once per sample, so
 *   recursion does not count twice);
 * - with --lines, the samples of each named function by source line (V8's positionTicks: lines of
 *   the compiled JavaScript, `dist/`, not of the TypeScript; code V8 inlined from another file
 *   keeps that file's line numbers).
 *
 * Shares are of the busy samples: the thread's idle samples (waiting in the event loop) are
 * counted apart, so a mostly idle Sender reads the same as a busy one.
 */
import { readFileSync } from 'node:fs';

/** The parts of V8's profile format (the DevTools protocol's Profiler.Profile) read here. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
  readonly positionTicks?: ReadonlyArray<{ readonly line: number; readonly ticks: number }>;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** One function's share of a profile. */
export interface FunctionShare {
  /** `name file:line` (the file's last two path parts; line 1-based). */
  readonly frame: string;
  readonly samples: number;
}

/** What {@link summarizeProfile} finds in a profile. */
export interface ProfileSummary {
  readonly samples: number;
  /** Samples in which the thread was idle (V8's `(idle)` frame). */
  readonly idle: number;
  readonly seconds: number;
  /** By self samples, most first (ties by name). */
  readonly self: readonly FunctionShare[];
  /** By inclusive samples, most first (ties by name). */
  readonly inclusive: readonly FunctionShare[];
  /** Per function named in `lineFunctions`: samples by line, in line order. */
  readonly lines: ReadonlyMap<string, ReadonlyArray<{ readonly line: number; readonly samples: number }>>;
}

/** The root of every stack: no function of the program. (`(program)`, V8's own native code, and `(garbage collector)` are ranked like functions.) */
const ROOT = '(root)';

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  return url === '' ? name : `${name} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

/** Counts a profile's samples by function (self and inclusive) and, for the named functions, by line. */
export function summarizeProfile(profile: Profile, lineFunctions: readonly string[] = []): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const perNode = new Map<number, number>();
  for (const id of profile.samples) perNode.set(id, (perNode.get(id) ?? 0) + 1);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  for (const [id, count] of perNode) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += count;
      continue;
    }
    const top = frameName(node);
    self.set(top, (self.get(top) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      if (n.callFrame.functionName === ROOT) continue;
      const name = frameName(n);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + count);
    }
  }

  const lines = new Map<string, Array<{ line: number; samples: number }>>();
  for (const fn of lineFunctions) {
    const byLine = new Map<number, number>();
    for (const n of profile.nodes) {
      if (n.callFrame.functionName !== fn) continue;
      for (const t of n.positionTicks ?? []) byLine.set(t.line, (byLine.get(t.line) ?? 0) + t.ticks);
    }
    lines.set(
      fn,
      [...byLine].sort((a, b) => a[0] - b[0]).map(([line, samples]) => ({ line, samples })),
    );
  }

  const ranked = (m: Map<string, number>): FunctionShare[] =>
    [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([frame, samples]) => ({ frame, samples }));
  return {
    samples: profile.samples.length,
    idle,
    seconds: (profile.endTime - profile.startTime) / 1e6,
    self: ranked(self),
    inclusive: ranked(inclusive),
    lines,
  };
}

const USAGE = `usage: bench profile <file.cpuprofile> [--top N] [--lines fn,fn]
  --top N        functions to list in each ranking (default 25)
  --lines fn,fn  also list these functions' samples by line (of the compiled JavaScript)
`;

/** The `bench profile` command. */
export function profileCommand(argv: readonly string[]): void {
  const file = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !['--top', '--lines'].includes(argv[i - 1]!)));
  if (file === undefined || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const option = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const top = Number(option('--top') ?? 25);
  if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, not ${option('--top')}`);
  const lineFunctions = (option('--lines') ?? '').split(',').filter((s) => s !== '');
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, lineFunctions);
  const busy = s.samples - s.idle;
  const pct = (n: number): string => `${((100 * n) / Math.max(1, busy)).toFixed(1).padStart(6)}%`;
  const out: string[] = [
    `${file}: ${s.samples} samples over ${s.seconds.toFixed(1)} s; idle ${((100 * s.idle) / Math.max(1, s.samples)).toFixed(1)}%. Shares below are of the ${busy} busy samples.`,
    '',
    'self:',
    ...s.self.slice(0, top).map((f) => `${pct(f.samples)}  ${f.frame}`),
    '',
    'inclusive:',
    ...s.inclusive.slice(0, top).map((f) => `${pct(f.samples)}  ${f.frame}`),
  ];
  for (const [fn, rows] of s.lines) {
    out.push('', `${fn}, by line:`);
    if (rows.length === 0) out.push('  (no samples, or no function of that name)');
    for (const r of rows) out.push(`${pct(r.samples)}  line ${r.line}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
