import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KafkaCluster } from './cluster.js';
import { isNotFound, runCommand, type CommandResult } from './command.js';
import { HarnessError, ReadTimeoutError, ToolError, lastErrorLine } from './errors.js';
import { runJava, runJavaUnchecked } from './java.js';
import type { ReadOptions, ReadRecord, TimestampType } from './records.js';
import { toolClasses } from './versions.js';

/**
 * Independent readers: what Tandem writes is proven by clients Tandem did not write. kcat reads
 * with librdkafka (C), ReadBack with the Java client of the broker's own version, and
 * DumpLogSegments reads the broker's segment files directly and checks every batch's CRC.
 */

export type { ReadOptions, ReadRecord, TimestampType } from './records.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** Options of {@link readWithKcat}. */
export interface KcatReadOptions extends ReadOptions {
  /**
   * librdkafka properties, each passed as `-X name=value` after the harness's own: how to reach
   * a secured listener, e.g. `{ 'security.protocol': 'ssl', 'ssl.ca.location': tls.caFile }`.
   */
  config?: Record<string, string>;
}

/**
 * Reads `topic` from the beginning with kcat (librdkafka) and returns its records byte-exact,
 * in (partition, offset) order.
 *
 * How bytes survive: kcat's `-J` envelope writes keys, values and header values with yajl, which
 * escapes only `"`, `\` and control characters (as `\n` or `\u00XX`) and copies every other
 * byte raw, invalid UTF-8 included, with lengths taken from the message (NUL bytes are fine).
 * Decoding the line as latin1 maps each byte to one code point, JSON.parse undoes the escapes,
 * and encoding back to latin1 gives the original bytes. Null keys, values and header values come
 * out as JSON null, distinct from "". (`-f` with `%k`/`%s` would do for keys and values, but
 * its `%h` prints header values with printf `%.*s`, which stops at a NUL byte and cannot tell a
 * null value from the string "NULL".)
 *
 * @throws ToolError `tool-missing` without kcat; {@link ReadTimeoutError} when `count` records
 *   do not arrive within `timeoutMs` (carrying what did).
 */
export async function readWithKcat(bootstrap: string, topic: string, options: KcatReadOptions = {}): Promise<ReadRecord[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // -u: unbuffered, so that records read before a timeout kill are not lost in stdio's buffer.
  const args = ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-J', '-q', '-u'];
  args.push('-X', `isolation.level=${options.isolation ?? 'read_uncommitted'}`);
  // -c stops after `count` records; without a count, -e stops at the end of every partition.
  args.push(...(options.count !== undefined ? ['-c', String(options.count)] : ['-e']));
  if (options.partition !== undefined) args.push('-p', String(options.partition));
  for (const [name, value] of Object.entries(options.config ?? {})) args.push('-X', `${name}=${value}`);
  if (options.count === 0) return [];

  let result: CommandResult;
  try {
    result = await runCommand('kcat', args, { timeoutMs });
  } catch (error) {
    if (isNotFound(error)) throw new ToolError('tool-missing', 'no "kcat" on PATH: install it (apt-get install kcat, brew install kcat)');
    throw error;
  }
  const records = sortRecords(parseKcatJson(result.stdout));
  const stderr = result.stderr.toString();
  if (result.timedOut) {
    throw new ReadTimeoutError(
      `kcat read ${records.length}${options.count !== undefined ? ` of ${options.count}` : ''} record(s) from ${topic} in ${timeoutMs} ms`,
      records,
      stderr,
    );
  }
  if (result.code !== 0) {
    throw new ToolError('tool-failed', `kcat exited with ${result.code ?? result.signal} reading ${topic}: ${lastErrorLine(stderr) ?? '(no output)'}`, stderr);
  }
  return records;
}

/** kcat's `-J` envelope, as JSON.parse sees it after the latin1 decoding. */
interface KcatEnvelope {
  partition: number;
  offset: number;
  tstype?: 'create' | 'logappend' | 'unknown';
  ts?: number;
  headers?: Array<string | null>;
  key: string | null;
  payload: string | null;
}

function parseKcatJson(stdout: Buffer): ReadRecord[] {
  const records: ReadRecord[] = [];
  // Newlines inside keys and values are escaped, so a raw 0x0a always ends a record. The last
  // line may be cut off when kcat was killed at the timeout: only whole lines count.
  const text = stdout.toString('latin1');
  const lines = text.split('\n');
  lines.pop();
  for (const line of lines) {
    if (line.length === 0) continue;
    const e = JSON.parse(line) as KcatEnvelope;
    const headers: Array<[string, Buffer | null]> = [];
    const flat = e.headers ?? [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      headers.push([Buffer.from(flat[i]!, 'latin1').toString('utf8'), latin1Bytes(flat[i + 1]!)]);
    }
    records.push({
      partition: e.partition,
      offset: e.offset,
      timestamp: e.ts ?? -1,
      timestampType: e.tstype === 'create' ? 'CreateTime' : e.tstype === 'logappend' ? 'LogAppendTime' : 'NoTimestampType',
      key: latin1Bytes(e.key),
      value: latin1Bytes(e.payload),
      headers,
    });
  }
  return records;
}

/**
 * Records in (partition, offset) order. Readers interleave partitions in whatever order the
 * fetches return; sorting makes two readers' results comparable with deepStrictEqual.
 */
function sortRecords<R extends ReadRecord>(records: R[]): R[] {
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

function latin1Bytes(s: string | null): Buffer | null {
  return s === null ? null : Buffer.from(s, 'latin1');
}

/** A record as the Java client reads it: adds the leader epoch the broker stamped on its batch. */
export interface JavaReadRecord extends ReadRecord {
  leaderEpoch: number | null;
}

/** Options of {@link readWithJava}. */
export interface JavaReadOptions extends ReadOptions {
  /** Kafka version whose client reads. Default: KAFKA_VERSION, else 4.4.0. */
  version?: string;
  /**
   * Consumer configs set after ReadBack's own: how to reach a secured listener, e.g.
   * `{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': '...' }`.
   */
  config?: Record<string, string>;
}

/**
 * Reads `topic` from the beginning with the Java KafkaConsumer (test/kafka/java/ReadBack.java,
 * ByteArrayDeserializer, no consumer group) and returns its records byte-exact, in (partition,
 * offset) order. Costs one JVM start (1-2 s) on top of the read.
 *
 * @throws {@link ReadTimeoutError} when `count` records do not arrive within `timeoutMs`;
 *   ToolError when the JVM fails.
 */
export async function readWithJava(bootstrap: string, topic: string, options: JavaReadOptions = {}): Promise<JavaReadRecord[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = ['--bootstrap', bootstrap, '--topic', topic, '--timeout-ms', String(timeoutMs), '--isolation', options.isolation ?? 'read_uncommitted'];
  if (options.count !== undefined) args.push('--count', String(options.count));
  if (options.partition !== undefined) args.push('--partition', String(options.partition));
  for (const [name, value] of Object.entries(options.config ?? {})) args.push('--property', `${name}=${value}`);
  // ReadBack keeps its own deadline; this outer one only covers a JVM that hangs on its own.
  const result = await runJavaUnchecked('ReadBack', args, {
    ...(options.version !== undefined ? { version: options.version } : {}),
    timeoutMs: timeoutMs + 30_000,
  });
  const stderr = result.stderr.toString();
  const lines = result.stdout.toString('utf8').split('\n');
  lines.pop();
  const records = sortRecords(lines.filter((l) => l.length > 0).map(parseReadBackLine));
  if (result.code === 3 || result.timedOut) {
    throw new ReadTimeoutError(
      `Java consumer read ${records.length}${options.count !== undefined ? ` of ${options.count}` : ''} record(s) from ${topic} in ${timeoutMs} ms`,
      records,
      stderr,
    );
  }
  if (result.code !== 0) {
    throw new ToolError('tool-failed', `ReadBack exited with ${result.code ?? result.signal} reading ${topic}: ${lastErrorLine(stderr) ?? '(no output)'}`, stderr);
  }
  return records;
}

interface ReadBackLine {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
  leaderEpoch: number | null;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

function parseReadBackLine(line: string): JavaReadRecord {
  const r = JSON.parse(line) as ReadBackLine;
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: base64Bytes(r.key),
    value: base64Bytes(r.value),
    headers: r.headers.map(([k, v]) => [k, base64Bytes(v)]),
    leaderEpoch: r.leaderEpoch,
  };
}

function base64Bytes(s: string | null): Buffer | null {
  return s === null ? null : Buffer.from(s, 'base64');
}

/** A batch as DumpLogSegments prints it, from the broker's segment file itself. */
export interface DumpedBatch {
  /** The segment file it was read from. */
  file: string;
  baseOffset: number;
  lastOffset: number;
  count: number;
  baseSequence: number;
  lastSequence: number;
  producerId: number;
  producerEpoch: number;
  partitionLeaderEpoch: number;
  isTransactional: boolean;
  isControl: boolean;
  /** Byte position of the batch in the segment. */
  position: number;
  timestampType: TimestampType;
  /** The batch's max timestamp. */
  timestamp: number;
  /** Size of the batch in bytes, including the 12-byte offset and length prefix. */
  size: number;
  magic: number;
  /** `none`, `gzip`, `snappy`, `lz4` or `zstd`. */
  compressCodec: string;
  /** The CRC-32C stored in the batch. */
  crc: number;
  /** Whether the broker's code finds the stored CRC matches the batch's bytes. */
  isValid: boolean;
  /** The records (decompressed by the tool: a bad compressed stream fails the dump). */
  records: DumpedRecord[];
  /** Every `name: value` pair of the batch line, for fields not modelled above. */
  fields: Record<string, string>;
}

/** A record line of DumpLogSegments' deep iteration. */
export interface DumpedRecord {
  offset: number;
  timestampType: TimestampType;
  timestamp: number;
  keySize: number;
  valueSize: number;
  sequence: number;
  headerKeys: string[];
  /**
   * Key and value as the tool prints them: decoded as UTF-8 and re-encoded by the JVM, so only
   * good for text. Compare bytes with the readers, not with these.
   */
  key: string | undefined;
  payload: string | undefined;
}

/** Options of {@link dumpLogSegments}. */
export interface DumpOptions {
  /** Which broker's replica to read. Default: the first broker holding the partition. */
  nodeId?: number;
  /** Kafka version whose tool runs. Default: the cluster's. */
  version?: string;
  /** Print keys and payloads (`--print-data-log`). Default true. */
  printData?: boolean;
  timeoutMs?: number;
}

/**
 * Runs the broker's own DumpLogSegments over every segment of `topic`-`partition` in a harness
 * broker's log directory (`--deep-iteration`, and `--print-data-log` unless turned off) and
 * returns the batches it found, with the CRC it read and whether it found it valid.
 *
 * The segment is read while the broker runs, which is safe: appends are visible in the page
 * cache, and the tool only reads.
 *
 * @throws HarnessError `not-local` for an external cluster, or when no broker holds the partition.
 * @example
 * ```ts
 * const batches = await dumpLogSegments(kafka, topic, 0);
 * assert.ok(batches.every((b) => b.isValid));
 * ```
 */
export async function dumpLogSegments(cluster: KafkaCluster, topic: string, partition: number, options: DumpOptions = {}): Promise<DumpedBatch[]> {
  if (cluster.external || cluster.brokers.length === 0) {
    throw new HarnessError('not-local', `dumpLogSegments needs a harness cluster's log directories; ${cluster.bootstrap} is external`);
  }
  const dirName = `${topic}-${partition}`;
  const broker = cluster.brokers.find(
    (b) => (options.nodeId === undefined || b.nodeId === options.nodeId) && existsSync(join(b.dataDir, dirName)),
  );
  if (broker === undefined) {
    throw new HarnessError('not-local', `no broker${options.nodeId !== undefined ? ` ${options.nodeId}` : ''} of cluster ${cluster.name} holds ${dirName}`);
  }
  const dir = join(broker.dataDir, dirName);
  const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f));
  if (segments.length === 0) return [];
  const version = options.version ?? cluster.version;
  const args = ['--files', segments.join(','), '--deep-iteration'];
  if (options.printData !== false) args.push('--print-data-log');
  const result = await runJava(toolClasses(version).dumpLogSegments, args, { version, timeoutMs: options.timeoutMs ?? 60_000 });
  return parseDump(result.stdout.toString('utf8'));
}

/**
 * The tool's output, the same in 3.9 (Scala) and 4.x (Java):
 *
 *   Dumping /path/00000000000000000000.log
 *   Log starting offset: 0
 *   baseOffset: 0 lastOffset: 0 count: 1 ... CreateTime: 1700000000000 size: 73 magic: 2 compresscodec: none crc: 3863589963 isvalid: true
 *   | offset: 0 CreateTime: 1700000000000 keySize: -1 valueSize: 5 sequence: -1 headerKeys: [] payload: hello
 *
 * A payload with newlines continues on the following lines; those are joined back to it.
 */
function parseDump(text: string): DumpedBatch[] {
  const batches: DumpedBatch[] = [];
  let file = '';
  let lastRecord: DumpedRecord | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('Dumping ')) {
      file = line.slice('Dumping '.length).trim();
      lastRecord = undefined;
    } else if (line.startsWith('baseOffset: ')) {
      batches.push(parseBatchLine(line, file));
      lastRecord = undefined;
    } else if (line.startsWith('| offset: ') && batches.length > 0) {
      lastRecord = parseRecordLine(line);
      batches.at(-1)!.records.push(lastRecord);
    } else if (lastRecord?.payload !== undefined) {
      lastRecord.payload += `\n${line}`;
    }
  }
  // The output ends with a newline, which the loop above appended to the last payload.
  if (lastRecord?.payload?.endsWith('\n') === true) lastRecord.payload = lastRecord.payload.slice(0, -1);
  return batches;
}

function parseBatchLine(line: string, file: string): DumpedBatch {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/(\w+): (\S*)/g)) fields[match[1]!] = match[2]!;
  const num = (name: string): number => Number(fields[name] ?? Number.NaN);
  const [timestampType, timestamp] = timestampOf(fields);
  return {
    file,
    baseOffset: num('baseOffset'),
    lastOffset: num('lastOffset'),
    count: num('count'),
    baseSequence: num('baseSequence'),
    lastSequence: num('lastSequence'),
    producerId: num('producerId'),
    producerEpoch: num('producerEpoch'),
    partitionLeaderEpoch: num('partitionLeaderEpoch'),
    isTransactional: fields['isTransactional'] === 'true',
    isControl: fields['isControl'] === 'true',
    position: num('position'),
    timestampType,
    timestamp,
    size: num('size'),
    magic: num('magic'),
    compressCodec: fields['compresscodec'] ?? 'unknown',
    crc: num('crc'),
    isValid: fields['isvalid'] === 'true',
    records: [],
    fields,
  };
}

function parseRecordLine(line: string): DumpedRecord {
  // Everything up to headerKeys is `name: value` pairs without spaces; key and payload, printed
  // last, may contain anything, so they are cut at their labels.
  const headerAt = line.indexOf(' headerKeys: [');
  const head = headerAt >= 0 ? line.slice(0, headerAt) : line;
  const fields: Record<string, string> = {};
  for (const match of head.matchAll(/(\w+): (\S*)/g)) fields[match[1]!] = match[2]!;
  let headerKeys: string[] = [];
  let rest = '';
  if (headerAt >= 0) {
    const open = headerAt + ' headerKeys: ['.length;
    const close = line.indexOf(']', open);
    const inside = line.slice(open, close < 0 ? undefined : close);
    headerKeys = inside.length === 0 ? [] : inside.split(',');
    rest = close < 0 ? '' : line.slice(close + 1);
  }
  let key: string | undefined;
  let payload: string | undefined;
  const payloadAt = rest.indexOf(' payload: ');
  const keyPart = payloadAt >= 0 ? rest.slice(0, payloadAt) : rest;
  if (keyPart.startsWith(' key: ')) key = keyPart.slice(' key: '.length);
  if (payloadAt >= 0) payload = rest.slice(payloadAt + ' payload: '.length);
  const [timestampType, timestamp] = timestampOf(fields);
  return {
    offset: Number(fields['offset']),
    timestampType,
    timestamp,
    keySize: Number(fields['keySize']),
    valueSize: Number(fields['valueSize']),
    sequence: Number(fields['sequence']),
    headerKeys,
    key,
    payload,
  };
}

function timestampOf(fields: Record<string, string>): [TimestampType, number] {
  if (fields['CreateTime'] !== undefined) return ['CreateTime', Number(fields['CreateTime'])];
  if (fields['LogAppendTime'] !== undefined) return ['LogAppendTime', Number(fields['LogAppendTime'])];
  return ['NoTimestampType', -1];
}
