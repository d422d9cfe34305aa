/**
 * RecordBatch v2 in every codec (none, gzip, snappy, lz4, zstd), written by `buildRecordBatch`
 * and sent over a raw socket (test/support/raw-kafka-connection.ts) with Produce at the oldest
 * version we speak (3) and at the newest the broker and we share (negotiated), against BOTH
 * lines users run: Kafka 4.x and 3.9.x. Each line proves:
 *
 * - the broker accepts each batch (and, at the newest version, each codec's lowest and highest
 *   KIP-390 level) and gives it the offsets we expect; zstd at Produce v3..v6 is refused with
 *   UNSUPPORTED_COMPRESSION_TYPE (76) and nothing is appended;
 * - kcat (librdkafka) and the Java consumer, neither of them Tandem code, read every record back
 *   byte for byte: null, empty, binary and multi-byte UTF-8 keys and values, headers (a null value,
 *   an empty value, duplicate keys, binary and UTF-8), explicit timestamps out of order within a
 *   batch (negative deltas), a record large enough for several snappy and lz4 blocks;
 * - the broker's own DumpLogSegments finds every batch valid (CRC) with the codec, count,
 *   offsets and max timestamp we wrote, and the segment holds our bytes unchanged from the CRC on
 *   (the broker only stamped base offset and leader epoch in front of it: it did not recompress).
 *
 * Brokers: the first line is `ensureKafka()` (KAFKA_BOOTSTRAP as run-tests.mjs passes it, else the
 * harness broker, 4.4.0 unless KAFKA_VERSION says otherwise). The other line is started by this
 * file with the harness (`startCluster`), while the first line's tests run, and stopped at the end
 * only if this file started it (a 3.9.1 broker left running by `kafka:start --version 3.9.1` is
 * reused and left alone). The other line is 3.9.1 when the first is 4.x, and 4.4.0 when the first
 * is 3.x. KAFKA_OTHER_LINE overrides it: a version, or `none` to run only the first line (for a
 * machine without Java/Maven access to a second version; CI leaves it unset). Both lines take
 * about 30 s together, the second broker's start overlapped with the first line's tests.
 */
import { strict as assert } from 'node:assert';
import { open } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  ApiVersions,
  Produce,
  apiVersionsRetryVersion,
  buildRecordBatch,
  codecFor,
  CompressionType,
  decodeResponse,
  kafkaErrorByCode,
  KafkaErrorCodes,
  Metadata,
  negotiateVersions,
  type CompressionName,
  type PartitionProduceResponse,
  type ProduceRequest,
  type RecordInput,
} from '@tandem/protocol';
import {
  createTopic,
  DEFAULT_KAFKA_VERSION,
  defaultKafkaVersion,
  dumpLogSegments,
  ensureKafka,
  readWithJava,
  readWithKcat,
  startCluster,
  stopCluster,
  uniqueTopicName,
  type KafkaCluster,
} from '../kafka/index.js';
import { assertReadBack, randomBytes, seeded, sleep, type Delivery } from '../support/producer-readback.js';
import { RawKafkaConnection } from '../support/raw-kafka-connection.js';

const CODECS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** The first Produce version that may carry zstd (KIP-110). */
const ZSTD_MIN_PRODUCE = 7;
const UNSUPPORTED_COMPRESSION_TYPE = KafkaErrorCodes.UNSUPPORTED_COMPRESSION_TYPE;
const SOFTWARE = { clientSoftwareName: 'tandem', clientSoftwareVersion: '0.1.0' };

// ---------------------------------------------------------------------------------------------
// Which lines, and the second line's broker.

const firstLine = defaultKafkaVersion();
const otherLine = ((): string | undefined => {
  const asked = process.env['KAFKA_OTHER_LINE']?.trim();
  if (asked === 'none' || asked === 'off') return undefined;
  if (asked !== undefined && asked !== '') return asked;
  return Number.parseInt(firstLine, 10) >= 4 ? '3.9.1' : DEFAULT_KAFKA_VERSION;
})();

/** The other line's cluster, started (or found running) in the background from the first `before`. */
let otherCluster: Promise<KafkaCluster> | undefined;

before(() => {
  if (otherLine === undefined || otherLine === firstLine) return;
  otherCluster = startCluster({ version: otherLine });
  // Awaited by that line's tests; this keeps a failed start from being an unhandled rejection
  // while the first line's tests still run.
  otherCluster.catch(() => {});
});

after(async () => {
  const cluster = await otherCluster?.catch(() => undefined);
  // Only a broker this file started: a reused one belongs to whoever started it.
  if (cluster?.started === true && cluster.name !== undefined) await stopCluster(cluster.name);
});

// ---------------------------------------------------------------------------------------------
// The records: every shape a reader could get wrong, the same on every run.

/** A value of ~80 KiB that compresses, but not to nothing: more than one 32 KiB snappy block and 64 KiB lz4 block. */
function largeValue(seed: number): Buffer {
  const next = seeded(seed);
  const words = ['kafka', 'tandem', 'record', 'batch', 'ünïcødé', '日本語', '🔑', '\n', '\0', '"\\'];
  const parts: Buffer[] = [];
  let size = 0;
  while (size < 80 * 1024) {
    const part = next() % 8 === 0 ? randomBytes(next, 1 + (next() % 64)) : Buffer.from(words[next() % words.length]!, 'utf8');
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts);
}

/** Every byte value, 0x00..0xff, then backwards. */
const ALL_BYTES = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), ...Array.from({ length: 256 }, (_, i) => 255 - i)]);

/**
 * The records of one batch, labelled so that a record read back says which batch it came from.
 * Timestamps are distinct and not in order (the batch's base timestamp is the first record's,
 * so later ones have negative deltas).
 */
function batchRecords(label: string, baseTimestamp: number, seed: number): RecordInput[] {
  return [
    {
      key: null,
      value: `${label}: null key, headers of every kind`,
      headers: [
        { key: 'batch', value: label },
        { key: 'null-value', value: null },
        { key: 'empty-value', value: '' },
        { key: 'dup', value: 'first' },
        { key: 'dup', value: 'second' },
        { key: 'ключ-🗝', value: '値 ü €' },
        { key: Buffer.from('bytes-key', 'utf8'), value: ALL_BYTES.subarray(0, 64) },
      ],
      timestamp: baseTimestamp + 500,
    },
    { key: '', value: '', timestamp: baseTimestamp + 100 },
    { key: ALL_BYTES, value: null, headers: [{ key: 'tombstone', value: label }], timestamp: baseTimestamp + 900 },
    { key: 'ключ 🔑 日本', value: `${label}: значение ü € 𝄞 日本語 \u{1F600}\n"quoted" \\ tab\t`, timestamp: baseTimestamp + 300 },
    { key: null, value: null, timestamp: baseTimestamp },
    { key: `${label}-binary`, value: randomBytes(seeded(seed), 1024), headers: [], timestamp: baseTimestamp + 700 },
    { key: `${label}-large`, value: largeValue(seed), timestamp: baseTimestamp + 200 },
  ];
}

/** The bytes a reader must find for a field given to buildRecordBatch. */
function bytesOf(v: Uint8Array | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** What a reader must find for `records` appended at `baseOffset` of partition 0. */
function deliveriesOf(topic: string, records: readonly RecordInput[], baseOffset: number): Delivery[] {
  return records.map((r, i) => {
    const key = bytesOf(r.key);
    const value = bytesOf(r.value);
    return {
      expected: {
        key,
        value,
        headers: (r.headers ?? []).map((h) => [typeof h.key === 'string' ? h.key : Buffer.from(h.key).toString('utf8'), bytesOf(h.value)] as const),
        timestamp: r.timestamp,
      },
      metadata: {
        topic,
        partition: 0,
        offset: baseOffset + i,
        timestamp: r.timestamp!,
        serializedKeySize: key === null ? -1 : key.length,
        serializedValueSize: value === null ? -1 : value.length,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The matrix, once per line.

/** One batch the broker accepted. */
interface Sent {
  /** Codec, Produce version and level, for messages. */
  label: string;
  codec: CompressionName;
  batch: Buffer;
  records: RecordInput[];
  baseOffset: number;
  maxTimestamp: number;
}

function codecMatrix(lineLabel: string, cluster: () => Promise<KafkaCluster>): void {
  describe(`codecs against ${lineLabel}`, { timeout: 240_000 }, () => {
    let kafka: KafkaCluster;
    let conn: RawKafkaConnection;
    let leader: RawKafkaConnection;
    let newest = -1;
    const topic = uniqueTopicName('tandem-codecs');
    const sent: Sent[] = [];
    let nextOffset = 0;

    /** Produce at `v` with acks=all, retrying only while the new partition's leadership settles. */
    async function produce(v: number, batch: Buffer): Promise<PartitionProduceResponse> {
      const request: ProduceRequest = {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
      };
      for (let i = 0; ; i++) {
        const payload = await leader.produce(v, request);
        const { body } = decodeResponse(Produce, v, payload!);
        assert.equal(body.responses.length, 1);
        assert.equal(body.responses[0]!.name, topic);
        const p = body.responses[0]!.partitionResponses[0]!;
        // UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER
        if (![3, 5, 6].includes(p.errorCode) || i >= 50) return p;
        await sleep(100);
      }
    }

    before(async () => {
      kafka = await cluster();
      conn = await RawKafkaConnection.connect(kafka.bootstrap, { clientId: 'tandem-codecs-it' });
      let asked = ApiVersions.maxVersion;
      let res = (await conn.request(ApiVersions, asked, SOFTWARE)).body;
      if (res.errorCode === 35) {
        asked = apiVersionsRetryVersion(res);
        res = (await conn.request(ApiVersions, asked, asked >= 3 ? SOFTWARE : {})).body;
      }
      assert.equal(res.errorCode, 0, 'ApiVersions');
      const negotiated = negotiateVersions(res);
      newest = negotiated.versions.get(ApiKey.Produce) ?? assert.fail('no common Produce version');
      assert.ok(newest >= ZSTD_MIN_PRODUCE, `Produce v${newest}`);

      // retention.ms=-1: the records carry fixed timestamps from 2023, and time-based retention
      // goes by record timestamps, so with the default 7 days the broker rolls the segment and
      // deletes it within seconds of the append (seen on 4.4.0 and 3.9.1), under the readers' feet.
      await createTopic(kafka.bootstrap, topic, { partitions: 1, version: kafka.version, configs: { 'retention.ms': -1 } });
      // Produce goes to the partition's leader (a KAFKA_BOOTSTRAP cluster may have several brokers).
      const md = (await conn.request(Metadata, negotiated.versions.get(ApiKey.Metadata)!, { topics: [{ name: topic }], allowAutoTopicCreation: false })).body;
      const leaderId = md.topics[0]!.partitions[0]!.leaderId;
      const broker = md.brokers.find((b) => b.nodeId === leaderId) ?? assert.fail(`no leader for ${topic}-0: ${JSON.stringify(md.topics[0])}`);
      leader = `${broker.host}:${broker.port}` === kafka.bootstrap.split(',')[0] ? conn : await RawKafkaConnection.connect(`${broker.host}:${broker.port}`, { clientId: 'tandem-codecs-it' });
    });

    after(() => {
      if (leader !== conn) leader?.close();
      conn?.close();
    });

    for (const [c, codec] of CODECS.entries()) {
      it(`${codec}: Produce v3 and the newest negotiated version (and each level's extremes) append batches at the expected offsets`, async (t) => {
        // zstd: the first version that allows it (7) stands in for 3, which must refuse it (below).
        const versions = [...new Set([codec === 'zstd' ? ZSTD_MIN_PRODUCE : Produce.minVersion, newest])];
        // At the newest version, also the lowest and highest KIP-390 level (zstd's are negative
        // and 22; lz4's are accepted and ignored: see compression/lz4.ts).
        const levels = codecFor(CompressionType[codec]).levels;
        const runs: Array<{ v: number; level: number | undefined }> = versions.map((v) => ({ v, level: undefined }));
        if (levels !== null) runs.push({ v: newest, level: levels.min }, { v: newest, level: levels.max });
        t.diagnostic(runs.map(({ v, level }) => `Produce v${v}${level === undefined ? '' : ` level ${level}`}`).join(', '));
        for (const [i, { v, level }] of runs.entries()) {
          const label = `${codec}@v${v}${level === undefined ? '' : `/level ${level}`}`;
          const baseTimestamp = 1_700_000_000_000 + c * 100_000 + i * 1_000;
          const records = batchRecords(label, baseTimestamp, c * 100 + i);
          const batch = buildRecordBatch(records, { compression: codec, ...(level === undefined ? {} : { compressionLevel: level }) });
          const p = await produce(v, batch);
          assert.equal(p.errorCode, 0, `${label}: ${kafkaErrorByCode(p.errorCode).name} ${p.errorMessage ?? ''}`);
          assert.equal(p.baseOffset, BigInt(nextOffset), `${label}: base offset`);
          assert.equal(p.logAppendTimeMs, -1, `${label}: CreateTime topic`);
          if (v >= 5) assert.equal(p.logStartOffset, 0n, `${label}: log start offset`);
          sent.push({ label, codec, batch, records, baseOffset: nextOffset, maxTimestamp: Math.max(...records.map((r) => r.timestamp!)) });
          nextOffset += records.length;
        }
      });
    }

    it('zstd at Produce v3..v6 is refused with UNSUPPORTED_COMPRESSION_TYPE (76), and nothing is appended', async () => {
      for (let v = Produce.minVersion; v < ZSTD_MIN_PRODUCE; v++) {
        const records = batchRecords(`zstd@v${v}-refused`, 1_600_000_000_000 + v, v);
        const p = await produce(v, buildRecordBatch(records, { compression: 'zstd' }));
        assert.equal(p.errorCode, UNSUPPORTED_COMPRESSION_TYPE, `Produce v${v}: got ${kafkaErrorByCode(p.errorCode).name} (${p.errorCode})`);
        assert.equal(p.baseOffset, -1n, `Produce v${v}: no offset`);
      }
      // The log end did not move: the next accepted batch lands where the last one ended.
      const records = [{ key: 'after-refusals', value: 'none', timestamp: 1_700_000_999_000 }];
      const batch = buildRecordBatch(records);
      const p = await produce(newest, batch);
      assert.equal(p.errorCode, 0);
      assert.equal(p.baseOffset, BigInt(nextOffset), 'the refused batches took no offsets');
      sent.push({ label: `none@v${newest}`, codec: 'none', batch, records, baseOffset: nextOffset, maxTimestamp: records[0]!.timestamp });
      nextOffset += records.length;
    });

    const expected = (): Delivery[] => sent.flatMap((s) => deliveriesOf(topic, s.records, s.baseOffset));

    it('kcat (librdkafka) reads every record back byte for byte: keys, values, headers, timestamps, offsets', async () => {
      assert.ok(sent.length > 0, 'the produce tests ran');
      const read = await readWithKcat(kafka.bootstrap, topic, { count: nextOffset });
      assertReadBack(read, expected());
    });

    it('the Java consumer reads every record back byte for byte, with the leader epoch the broker stamped', async () => {
      assert.ok(sent.length > 0, 'the produce tests ran');
      const read = await readWithJava(kafka.bootstrap, topic, { count: nextOffset, version: kafka.version });
      assertReadBack(read, expected());
      for (const r of read) assert.ok(r.leaderEpoch !== null && r.leaderEpoch >= 0, `offset ${r.offset}: leader epoch ${r.leaderEpoch}`);
    });

    it("DumpLogSegments finds every batch valid, with its codec, and the segment holds our bytes from the CRC on", async (t) => {
      assert.ok(sent.length > 0, 'the produce tests ran');
      if (kafka.external) {
        t.skip(`${kafka.bootstrap} is not a harness cluster: its segments are out of reach`);
        return;
      }
      // --deep-iteration: the tool decompresses every batch and lists its records.
      const dumped = await dumpLogSegments(kafka, topic, 0, { printData: false });
      assert.equal(dumped.length, sent.length, `batches on disk: ${dumped.map((b) => `${b.baseOffset}/${b.compressCodec}`).join(' ')}`);
      for (const [i, b] of dumped.entries()) {
        const s = sent[i]!;
        const label = `${s.label} (offset ${s.baseOffset})`;
        assert.ok(b.isValid, `${label}: isvalid (crc ${b.crc})`);
        assert.equal(b.crc, s.batch.readUInt32BE(17), `${label}: the CRC on disk is the one we wrote`);
        assert.equal(b.compressCodec, s.codec, `${label}: codec`);
        assert.equal(b.magic, 2, `${label}: magic`);
        assert.equal(b.baseOffset, s.baseOffset, `${label}: base offset`);
        assert.equal(b.lastOffset, s.baseOffset + s.records.length - 1, `${label}: last offset`);
        assert.equal(b.count, s.records.length, `${label}: count`);
        assert.equal(b.timestampType, 'CreateTime', `${label}: timestamp type`);
        assert.equal(b.timestamp, s.maxTimestamp, `${label}: max timestamp`);
        assert.equal(b.producerId, -1, `${label}: no producer id`);
        assert.equal(b.isTransactional, false);
        assert.equal(b.isControl, false);
        assert.equal(b.size, s.batch.length, `${label}: size on disk`);
        assert.ok(b.partitionLeaderEpoch >= 0, `${label}: the broker stamped a leader epoch`);

        // The segment's bytes: the broker wrote base offset and leader epoch (outside the CRC),
        // and kept everything from the CRC on exactly as we sent it.
        const stored = await readAt(b.file, b.position, b.size);
        assert.equal(stored.readBigInt64BE(0), BigInt(s.baseOffset), `${label}: stored base offset`);
        assert.equal(stored.readInt32BE(12), b.partitionLeaderEpoch, `${label}: stored leader epoch`);
        assert.ok(stored.subarray(8, 12).equals(s.batch.subarray(8, 12)), `${label}: batch length unchanged`);
        const from = 17; // magic at 16, CRC at 17..20, CRC-covered bytes from 21
        if (!stored.subarray(from).equals(s.batch.subarray(from))) {
          const at = firstDifference(stored, s.batch, from);
          assert.fail(`${label}: stored bytes differ from those sent at byte ${at}: ${stored.subarray(at, at + 16).toString('hex')} vs ${s.batch.subarray(at, at + 16).toString('hex')}`);
        }
        assert.deepEqual(
          b.records.map((r) => [r.offset, r.timestampType, r.timestamp, r.keySize, r.valueSize, r.headerKeys]),
          s.records.map((r, j) => [s.baseOffset + j, 'CreateTime', r.timestamp, bytesOf(r.key)?.length ?? -1, bytesOf(r.value)?.length ?? -1, (r.headers ?? []).map((h) => Buffer.from(h.key).toString('utf8'))]),
          `${label}: the records DumpLogSegments decompressed and decoded`,
        );
      }
    });
  });
}

async function readAt(file: string, position: number, size: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, position);
    assert.equal(bytesRead, size, `read ${bytesRead} of ${size} bytes at ${position} of ${file}`);
    return buf;
  } finally {
    await fh.close();
  }
}

function firstDifference(a: Buffer, b: Buffer, from: number): number {
  let i = from;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

codecMatrix(`Kafka ${firstLine} (the test run's broker)`, () => ensureKafka());
if (otherLine !== undefined && otherLine !== firstLine) {
  codecMatrix(`Kafka ${otherLine} (started by this file unless already running)`, () => otherCluster!);
}
