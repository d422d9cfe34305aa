import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { runCommand } from './command.js';
import { BrokerStartError, lastErrorLine } from './errors.js';
import { javaCommand, log4jOptions } from './java.js';
import { probeMetadata } from './metadata-probe.js';
import { scramFormatArguments } from './security.js';
import { type ClusterSpec, type NodePlan, serverProperties } from './topology.js';
import { toolClasses } from './versions.js';

/**
 * One broker JVM: write its config, format its storage, launch it detached, and wait until it
 * answers. The cluster-level choreography (reuse, locking, state) is in cluster.ts.
 */

/**
 * Heap of a harness broker. Kafka's own scripts default to 1 GiB; half of that serves every test
 * and benchmark here and leaves room for three brokers on a small CI machine. KAFKA_HEAP_OPTS
 * overrides it, as it does for Kafka's scripts.
 */
function heapOptions(): string[] {
  const fromEnv = process.env['KAFKA_HEAP_OPTS'];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim().split(/\s+/) : ['-Xmx512m', '-Xms256m'];
}

/** Writes the node's directory and server.properties. */
export async function writeNodeConfig(spec: ClusterSpec, node: NodePlan, nodes: readonly NodePlan[]): Promise<void> {
  await mkdir(node.dataDir, { recursive: true });
  await writeFile(node.propertiesFile, serverProperties(spec, node, nodes));
}

/**
 * Formats the node's log directory for KRaft (`kafka-storage format`). Every node of a cluster
 * gets the same cluster id. Not `--standalone`: the quorum is given by controller.quorum.voters.
 * A cluster with SASL listeners gets its SCRAM user here, in every node's bootstrap metadata.
 *
 * @throws BrokerStartError `format-failed`, quoting the tool's error.
 */
export async function formatStorage(spec: ClusterSpec, node: NodePlan, clusterId: string, classpath: readonly string[]): Promise<void> {
  const result = await runCommand(
    javaCommand(),
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      ...log4jOptions('tool'),
      '-cp',
      classpath.join(':'),
      toolClasses(spec.version).storageTool,
      'format',
      '-t',
      clusterId,
      '-c',
      node.propertiesFile,
      ...scramFormatArguments(spec.listeners),
    ],
    { timeoutMs: 120_000 },
  );
  if (result.timedOut || result.code !== 0) {
    const output = result.stderr.toString() + result.stdout.toString();
    const why = result.timedOut ? 'timed out' : (lastErrorLine(output) ?? `exit ${result.code}`);
    throw new BrokerStartError('format-failed', `formatting broker ${node.nodeId}'s storage failed: ${why}`);
  }
}

/** A launched broker JVM. */
export interface LaunchedBroker {
  pid: number;
  /** Set once the JVM exits (only observable by the process that launched it). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts the node's JVM detached: in its own session and process group, with stdin closed and
 * stdout/stderr appended to the node's stdout.log, so that it outlives the CLI that started it
 * and a Ctrl-C in the terminal does not reach it.
 */
export function launchBroker(spec: ClusterSpec, node: NodePlan, classpath: readonly string[]): LaunchedBroker {
  const out = openSync(node.stdoutLog, 'a');
  try {
    const child = spawn(
      javaCommand(),
      [
        ...heapOptions(),
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        ...log4jOptions('broker', node.dir),
        '-cp',
        classpath.join(':'),
        toolClasses(spec.version).broker,
        node.propertiesFile,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    if (child.pid === undefined) {
      throw new BrokerStartError('java-missing', `could not launch ${javaCommand()} for broker ${node.nodeId}`);
    }
    const launched: LaunchedBroker = { pid: child.pid, exit: undefined };
    child.on('exit', (code, signal) => (launched.exit = { code, signal }));
    child.on('error', () => (launched.exit ??= { code: null, signal: null }));
    child.unref();
    return launched;
  } finally {
    closeSync(out);
  }
}

/**
 * Waits until the node answers Metadata listing at least `expectedBrokers` brokers, polling
 * every 250 ms until `deadline` (epoch ms).
 *
 * @throws BrokerStartError `broker-exited` (quoting the log's last error line) or `broker-timeout`.
 */
export async function waitUntilAnswering(
  spec: ClusterSpec,
  node: NodePlan,
  launched: LaunchedBroker | undefined,
  expectedBrokers: number,
  deadline: number,
): Promise<void> {
  const port = node.listeners[0]!.port;
  let lastSeen = 'no answer yet';
  for (;;) {
    if (launched?.exit !== undefined) {
      const { code, signal } = launched.exit;
      const tail = logTail(node);
      throw new BrokerStartError(
        'broker-exited',
        `broker ${node.nodeId} (Kafka ${spec.version}) exited during startup (${signal ?? `code ${code}`}): ${tail?.line ?? 'no error logged'} [log: ${tail?.file ?? node.serverLog}]`,
        tail?.file ?? node.serverLog,
      );
    }
    try {
      const probe = await probeMetadata(spec.host, port, 2_000);
      if (probe.brokers.length >= expectedBrokers) return;
      lastSeen = `answers, but lists ${probe.brokers.length} of ${expectedBrokers} brokers`;
    } catch (error) {
      lastSeen = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      const tail = logTail(node);
      throw new BrokerStartError(
        'broker-timeout',
        `broker ${node.nodeId} on ${spec.host}:${port} did not answer Metadata within ${Math.round(spec.startTimeoutMs / 1000)} s (${lastSeen})${tail !== undefined ? `; last error: ${tail.line}` : ''} [log: ${tail?.file ?? node.serverLog}]`,
        tail?.file ?? node.serverLog,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The most telling line of the node's logs, and the file it is in: the last ERROR or exception
 * line of server.log, else the last line the JVM itself printed (stdout.log holds only what
 * happens before or outside logging, such as "Too small maximum heap").
 */
export function logTail(node: NodePlan): { line: string; file: string } | undefined {
  const serverLog = readTail(node.serverLog, 64 * 1024);
  if (serverLog !== undefined) {
    const errorLines = serverLog.split('\n').filter((l) => /\b(ERROR|FATAL)\b|Exception/.test(l));
    const line = lastErrorLine(errorLines.join('\n'));
    if (line !== undefined) return { line, file: node.serverLog };
  }
  const stdout = readTail(node.stdoutLog, 64 * 1024);
  const line = stdout === undefined ? undefined : lastErrorLine(stdout);
  return line === undefined ? undefined : { line, file: node.stdoutLog };
}

function readTail(file: string, bytes: number): string | undefined {
  if (!existsSync(file)) return undefined;
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    // readSync may return fewer bytes than asked; loop until the buffer is full.
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, size - length + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
