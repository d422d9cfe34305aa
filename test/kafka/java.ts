import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, runCommand, type CommandResult } from './command.js';
import { HarnessError, ToolError, lastErrorLine } from './errors.js';
import { kafkaClasspath } from './maven.js';
import { javaSourceDir, log4jConfigDir, stateRoot } from './paths.js';
import { defaultKafkaVersion, majorVersion } from './versions.js';

/**
 * Running Java: the broker, Kafka's own tools, and the small programs in test/kafka/java/ that
 * read back what Tandem writes through the Java client.
 */

/** `java` under JAVA_HOME when that is set (what Maven and Kafka's scripts honour), else on PATH. */
export function javaCommand(tool: 'java' | 'javac' = 'java'): string {
  const home = process.env['JAVA_HOME'];
  if (home !== undefined && home !== '' && existsSync(join(home, 'bin', tool))) return join(home, 'bin', tool);
  return tool;
}

/** The running Java's major version, asked once per process (`java -version` costs ~100 ms). */
let javaVersion: Promise<number> | undefined;

/**
 * Checks that Java is installed and new enough for Kafka `version` (17 for 4.x, 11 for 3.x)
 * and returns its major version. Checked once per process: `java -version` costs ~100 ms.
 *
 * @throws HarnessError `java-missing` or `java-too-old`.
 */
export async function checkJava(version: string): Promise<number> {
  if (javaVersion === undefined) {
    javaVersion = javaMajorVersion();
    // A failure is not remembered: the user may install Java and call again.
    javaVersion.catch(() => (javaVersion = undefined));
  }
  const found = await javaVersion;
  const needed = majorVersion(version) >= 4 ? 17 : 11;
  if (found < needed) {
    throw new HarnessError('java-too-old', `Kafka ${version} needs Java ${needed} or newer, found Java ${found} (${javaCommand()})`);
  }
  return found;
}

async function javaMajorVersion(): Promise<number> {
  let result: CommandResult;
  try {
    result = await runCommand(javaCommand(), ['-version'], { timeoutMs: 30_000 });
  } catch (error) {
    if (isNotFound(error)) {
      throw new HarnessError('java-missing', 'no "java" on PATH: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME');
    }
    throw error;
  }
  // `openjdk version "17.0.15" 2025-04-15`, or `"1.8.0_402"` for Java 8.
  const text = result.stderr.toString() + result.stdout.toString();
  const match = text.match(/version "(\d+)(?:\.(\d+))?/);
  if (result.code !== 0 || match === null) {
    throw new HarnessError('java-missing', `"${javaCommand()} -version" failed: ${lastErrorLine(text) ?? `exit ${result.code}`}`);
  }
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/**
 * The system properties that point log4j at the harness's configuration. Both the log4j 2
 * (Kafka 4.x) and the log4j 1 (3.x, reload4j) property are set: each ignores the other's.
 *
 * @param role `broker` logs INFO to `<logDir>/server.log`; `tool` logs warnings to stderr only,
 *   because a tool's stdout is data.
 */
export function log4jOptions(role: 'broker' | 'tool', logDir?: string): string[] {
  const options = [
    `-Dlog4j2.configurationFile=${join(log4jConfigDir, `${role === 'broker' ? 'broker' : 'tools'}-log4j2.xml`)}`,
    `-Dlog4j.configuration=file:${join(log4jConfigDir, `${role === 'broker' ? 'broker' : 'tools'}-log4j.properties`)}`,
  ];
  if (logDir !== undefined) options.push(`-Dkafka.logs.dir=${logDir}`);
  return options;
}

/**
 * JVM flags for short-lived tools: a small heap, the serial collector and the C1 compiler only
 * start a JVM about twice as fast as the defaults, which matters when a test reads back records
 * a dozen times. Never used for the broker, whose throughput benchmarks depend on C2.
 */
const TOOL_JVM_FLAGS = ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

const compiled = new Map<string, Promise<string>>();

/**
 * Compiles every `.java` file in test/kafka/java/ against Kafka `version`'s jars, into
 * `.kafka/classes/<hash>/`, and returns that directory. The hash covers the sources and the
 * version, so an edited source or another version compiles afresh and an unchanged one is
 * reused across runs (javac costs 2-3 s).
 *
 * @throws ToolError `tool-missing` (no javac) or `tool-failed` (a compile error, quoted).
 */
export function compileJavaSources(version: string): Promise<string> {
  let pending = compiled.get(version);
  if (pending === undefined) {
    pending = compile(version);
    pending.catch(() => compiled.delete(version));
    compiled.set(version, pending);
  }
  return pending;
}

async function compile(version: string): Promise<string> {
  const sources = (await readdir(javaSourceDir)).filter((f) => f.endsWith('.java')).sort();
  const hash = createHash('sha256').update(version);
  for (const source of sources) {
    hash.update(`\0${source}\0`);
    hash.update(await readFile(join(javaSourceDir, source)));
  }
  const outDir = join(stateRoot, 'classes', `${version}-${hash.digest('hex').slice(0, 16)}`);
  // The marker is written last: a directory without it is an interrupted compile.
  if (existsSync(join(outDir, '.complete'))) return outDir;

  const jars = await kafkaClasspath(version);
  const tmpDir = `${outDir}.${process.pid}.tmp`;
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  let result: CommandResult;
  try {
    result = await runCommand(
      javaCommand('javac'),
      ['-nowarn', '-encoding', 'UTF-8', '-cp', jars.join(':'), '-d', tmpDir, ...sources.map((s) => join(javaSourceDir, s))],
      { timeoutMs: 120_000 },
    );
  } catch (error) {
    if (isNotFound(error)) throw new ToolError('tool-missing', 'no "javac" on PATH: install a JDK (not only a JRE), e.g. openjdk-17-jdk-headless');
    throw error;
  }
  if (result.code !== 0) {
    await rm(tmpDir, { recursive: true, force: true });
    const stderr = result.stderr.toString() + result.stdout.toString();
    const firstError = stderr.split('\n').find((l) => l.includes('error:')) ?? lastErrorLine(stderr) ?? `exit ${result.code}`;
    throw new ToolError('tool-failed', `javac failed on test/kafka/java: ${firstError.trim()}`, stderr);
  }
  await writeFile(join(tmpDir, '.complete'), '');
  try {
    await rename(tmpDir, outDir);
  } catch {
    // Another process compiled the same sources first: theirs is as good as ours.
    await rm(tmpDir, { recursive: true, force: true });
  }
  return outDir;
}

/** Options of {@link runJava}. */
export interface RunJavaOptions {
  /** Kafka version whose jars are on the classpath. Default: KAFKA_VERSION, else 4.4.0. */
  version?: string;
  /** Kill the JVM after this long. Default 60 s. */
  timeoutMs?: number;
  /** Bytes for the program's stdin. */
  input?: Uint8Array;
  /** Extra JVM flags (before the main class). */
  jvmArgs?: string[];
}

/**
 * Runs a Java main class with Kafka `version`'s jars on the classpath and returns its output.
 * A class whose source is in test/kafka/java/ (e.g. `ReadBack`, `JavaPartitions`) is compiled
 * first (cached); any other class comes from the Kafka jars (e.g.
 * `org.apache.kafka.tools.DumpLogSegments`). Logging goes to stderr at WARN, so stdout carries
 * only what the program prints.
 *
 * @throws ToolError when the JVM cannot start, exits non-zero (message quotes its last error
 *   line), or runs past the timeout.
 * @example
 * ```ts
 * const { stdout } = await runJava('JavaPartitions', ['--partitions', '12'], { version: '4.4.0' });
 * ```
 */
export async function runJava(mainClass: string, args: readonly string[], options: RunJavaOptions = {}): Promise<CommandResult> {
  const result = await runJavaUnchecked(mainClass, args, options);
  const stderr = result.stderr.toString();
  if (result.timedOut) {
    throw new ToolError('tool-timeout', `java ${mainClass} did not finish in ${options.timeoutMs ?? 60_000} ms`, stderr);
  }
  if (result.code !== 0) {
    throw new ToolError('tool-failed', `java ${mainClass} exited with ${result.code ?? result.signal}: ${lastErrorLine(stderr) ?? '(no output)'}`, stderr);
  }
  return result;
}

/** {@link runJava} without the exit-code check, for callers that give exit codes a meaning. */
export async function runJavaUnchecked(mainClass: string, args: readonly string[], options: RunJavaOptions = {}): Promise<CommandResult> {
  const version = options.version ?? defaultKafkaVersion();
  await checkJava(version);
  const classpath = await kafkaClasspath(version);
  const ours = existsSync(join(javaSourceDir, `${mainClass}.java`));
  const entries = ours ? [await compileJavaSources(version), ...classpath] : classpath;
  try {
    return await runCommand(
      javaCommand(),
      [...TOOL_JVM_FLAGS, ...log4jOptions('tool'), ...(options.jvmArgs ?? []), '-cp', entries.join(':'), mainClass, ...args],
      { timeoutMs: options.timeoutMs ?? 60_000, ...(options.input !== undefined ? { input: options.input } : {}) },
    );
  } catch (error) {
    if (isNotFound(error)) throw new HarnessError('java-missing', `no "java" on PATH (${javaCommand()})`);
    throw error;
  }
}
