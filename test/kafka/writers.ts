import { randomBytes } from 'node:crypto';
import { isNotFound, runCommand } from './command.js';
import { ToolError, lastErrorLine } from './errors.js';

/**
 * An independent writer: kcat (librdkafka) as a producer, so that the readers can be checked
 * against records Tandem did not write, and Tandem's consumers-side expectations against a
 * second client's bytes.
 */

/** A record for {@link produceWithKcat}. Strings are sent as UTF-8. */
export interface KcatRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** Header values must be valid UTF-8 without NUL (they travel as kcat arguments); null is fine. */
  headers?: Array<[string, string | null]>;
  /** Default: librdkafka's partitioner. */
  partition?: number;
}

/** Options of {@link produceWithKcat}. */
export interface KcatProduceOptions {
  /**
   * librdkafka properties, each passed as `-X name=value` after the harness's own (so they win):
   * how to reach a secured listener, e.g. `{ 'security.protocol': 'sasl_plaintext',
   * 'sasl.mechanisms': 'PLAIN', 'sasl.username': SASL_USER, 'sasl.password': SASL_PASSWORD }`.
   */
  config?: Record<string, string>;
}

/**
 * Produces `records` to `topic` with kcat, in order, acks=all, and returns once kcat has had
 * every delivery confirmed.
 *
 * kcat reads records from stdin separated by a delimiter (we pick a random one that occurs in
 * no key or value) and splits key from value at a second one, so keys and values may hold any
 * bytes. Its `-Z` flag turns an empty value into null, and headers apply to a whole kcat run, so
 * records are sent in runs of consecutive records that need the same flags. What kcat cannot
 * express is refused up front: a null key together with a null or empty value (kcat skips empty
 * input), and an empty key with a null value (`-Z` would null both).
 */
export async function produceWithKcat(bootstrap: string, topic: string, records: readonly KcatRecord[], options: KcatProduceOptions = {}): Promise<void> {
  const normalized = records.map(normalize);
  const delimiter = pickDelimiter(normalized);
  const keyDelimiter = pickDelimiter(normalized, delimiter);
  let i = 0;
  while (i < normalized.length) {
    const signature = normalized[i]!.signature;
    let j = i;
    while (j < normalized.length && normalized[j]!.signature === signature) j++;
    await runKcat(bootstrap, topic, normalized.slice(i, j), delimiter, keyDelimiter, options);
    i = j;
  }
}

interface Normalized {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, string | null]>;
  partition: number | undefined;
  /** Records with the same signature can share one kcat run. */
  signature: string;
}

function normalize(record: KcatRecord, index: number): Normalized {
  const key = toBytes(record.key ?? null);
  const value = toBytes(record.value);
  if (key === null && (value === null || value.length === 0)) {
    throw new ToolError('tool-failed', `record ${index}: kcat cannot send a null key with a ${value === null ? 'null' : 'empty'} value`);
  }
  if (key !== null && key.length === 0 && value === null) {
    throw new ToolError('tool-failed', `record ${index}: kcat cannot send an empty key with a null value`);
  }
  const headers = record.headers ?? [];
  for (const [name, v] of headers) {
    if (name.length === 0 || name.includes('=') || name.includes('\0')) throw new ToolError('tool-failed', `record ${index}: kcat cannot send header name "${name}"`);
    if (v !== null && v.includes('\0')) throw new ToolError('tool-failed', `record ${index}: kcat cannot send a header value with a NUL byte`);
  }
  const signature = JSON.stringify([key !== null, value === null, headers, record.partition ?? null]);
  return { key, value, headers, partition: record.partition, signature };
}

function toBytes(v: Buffer | string | null): Buffer | null {
  return v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** A delimiter that occurs in no key or value (and differs from `other`). Backslash-free: kcat unescapes `\n`, `\x..`. */
function pickDelimiter(records: readonly Normalized[], other?: string): string {
  for (;;) {
    const candidate = `@@tandem-${randomBytes(8).toString('hex')}@@`;
    if (candidate === other) continue;
    const bytes = Buffer.from(candidate);
    if (records.every((r) => (r.key?.indexOf(bytes) ?? -1) < 0 && (r.value?.indexOf(bytes) ?? -1) < 0)) return candidate;
  }
}

async function runKcat(
  bootstrap: string,
  topic: string,
  run: readonly Normalized[],
  delimiter: string,
  keyDelimiter: string,
  options: KcatProduceOptions,
): Promise<void> {
  const first = run[0]!;
  const args = ['-P', '-b', bootstrap, '-t', topic, '-D', delimiter, '-X', 'acks=all'];
  for (const [name, value] of Object.entries(options.config ?? {})) args.push('-X', `${name}=${value}`);
  if (first.key !== null) args.push('-K', keyDelimiter);
  if (first.value === null) args.push('-Z');
  if (first.partition !== undefined) args.push('-p', String(first.partition));
  for (const [name, value] of first.headers) args.push('-H', value === null ? name : `${name}=${value}`);

  const parts: Buffer[] = [];
  for (const r of run) {
    if (r.key !== null) parts.push(r.key, Buffer.from(keyDelimiter));
    if (r.value !== null) parts.push(r.value);
    parts.push(Buffer.from(delimiter));
  }
  let result;
  try {
    result = await runCommand('kcat', args, { timeoutMs: 30_000, input: Buffer.concat(parts) });
  } catch (error) {
    if (isNotFound(error)) throw new ToolError('tool-missing', 'no "kcat" on PATH: install it (apt-get install kcat, brew install kcat)');
    throw error;
  }
  const stderr = result.stderr.toString();
  if (result.timedOut || result.code !== 0) {
    const why = result.timedOut ? 'timed out after 30 s' : `exited with ${result.code ?? result.signal}`;
    throw new ToolError('tool-failed', `kcat ${why} producing to ${topic}: ${lastErrorLine(stderr) ?? '(no output)'}`, stderr);
  }
}
