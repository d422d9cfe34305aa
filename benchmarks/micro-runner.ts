/**
 * `bench micro [name ...] [-- options]`: runs the micro benchmarks of the hot paths
 * (benchmarks/micro/*.ts, compiled to benchmarks/dist/micro/*.js), one after another, each in a
 * process of its own so that one's JIT state and garbage do not colour the next.
 *
 *   npx -y pnpm@10 bench:micro                 every one, in name order
 *   npx -y pnpm@10 bench:micro crc compression  those whose name starts with these words
 *   npx -y pnpm@10 bench:micro --quick          flags go to every benchmark (most take --quick)
 *
 * A micro benchmark is any file there that runs as a script; to add one, drop `<name>.ts` in
 * benchmarks/micro/ (send.ts, the application thread's cost of send(), is one).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { distDir } from './paths.js';

const microDir = join(distDir, 'micro');

/** Every micro benchmark's name (file name without `.js`). */
export function microBenchmarks(): string[] {
  return readdirSync(microDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function microCommand(argv: readonly string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const flags = argv.filter((a) => a.startsWith('-') && a !== '--');
  const all = microBenchmarks();
  const chosen = words.length === 0 ? all : all.filter((name) => words.some((w) => name.startsWith(w.replace(/\.(ts|js)$/, ''))));
  if (chosen.length === 0) throw new Error(`no micro benchmark matches ${words.join(', ')}: there are ${all.join(', ')}`);
  const failed: string[] = [];
  for (const name of chosen) {
    process.stdout.write(`\n=== micro/${name} ${flags.join(' ')}\n`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [join(microDir, `${name}.js`), ...flags], { stdio: 'inherit' });
      child.on('close', resolve);
    });
    if (code !== 0) failed.push(`${name} (exit ${code})`);
  }
  if (failed.length > 0) throw new Error(`micro benchmarks failed: ${failed.join(', ')}`);
}
