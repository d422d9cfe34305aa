/**
 * Where the benchmarks live on disk, from the compiled file's own location
 * (`benchmarks/dist/paths.js`), so every command works from any working directory.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `benchmarks/dist/`: the compiled benchmarks. */
export const distDir = dirname(fileURLToPath(import.meta.url));
/** `benchmarks/`: the sources, the peers' package and the results. */
export const benchmarksDir = resolve(distDir, '..');
/** The repository root. */
export const repoRoot = resolve(benchmarksDir, '..');
/** `benchmarks/peers/`: the other clients' own package, installed on demand (see peers/install.ts). */
export const peersDir = join(benchmarksDir, 'peers');
/** `benchmarks/results/`: JSON and charts of each run (gitignored but for `.gitkeep`). */
export const resultsDir = join(benchmarksDir, 'results');
