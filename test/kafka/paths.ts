import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the harness finds its sources and keeps its state.
 *
 * The harness runs compiled, from `test/dist/kafka/`, but reads files that tsc does not copy
 * (the Maven pom, the log4j configs, the Java sources), so every path is anchored at the
 * repository root rather than at the running file.
 */

/** The repository root (three levels above `test/dist/kafka/paths.js`). */
export const repoRoot: string = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** `test/kafka/` in the source tree: pom.xml, log4j/, java/. */
export const harnessSourceDir: string = join(repoRoot, 'test', 'kafka');

/** The Java sources compiled for the readers and cross-checks (every `.java` file here). */
export const javaSourceDir: string = join(harnessSourceDir, 'java');

/** The log4j configurations for brokers and tools. */
export const log4jConfigDir: string = join(harnessSourceDir, 'log4j');

/**
 * Everything the harness writes: cached classpaths, compiled classes, and one directory per
 * cluster. Gitignored. `TANDEM_KAFKA_HOME` moves it (handy for a read-only checkout).
 */
export const stateRoot: string = process.env['TANDEM_KAFKA_HOME'] ?? join(repoRoot, '.kafka');
