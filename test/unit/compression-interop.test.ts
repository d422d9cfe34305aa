/**
 * Interoperability, live: the Java client's own codec classes and the reference command-line
 * tools read what we write, and we read what they write, for every codec, size and level
 * boundary. This is the test that says a broker will accept our batches: brokers decompress
 * with the same Java classes.
 *
 * Each part is skipped (with the reason) when its tool is missing: `java` with kafka-clients
 * (3.8+, for KIP-390's `Compression` API) and its codec jars in the local Maven repository
 * (`~/.m2/repository`, or MAVEN_REPO), as test/kafka resolves them; `lz4`, `zstd`, `gzip`.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzip, lz4, snappy, zstd, type Codec } from '@tandem/protocol';

function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function records(size: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < size; i++) {
    const line = `{"id":${i},"user":"user-${(i * 7919) % 1000}","event":"view","ts":${1700000000000 + i * 13},"ok":true}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

const INPUTS: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  tiny: Buffer.from('k'),
  r100: records(100),
  r16k: records(16 * 1024),
  r1m: records(1024 * 1024),
  rand200k: randomBytes(200 * 1024, 99),
  zeros65537: Buffer.alloc(65537),
};

/** The levels of each codec tried both ways: Java's default and the range's ends. */
const LEVELS: [Codec, number[]][] = [
  [gzip, [-1, 1, 9]],
  [snappy, [0]],
  [lz4, [9, 1, 17]],
  [zstd, [3, -5, 19]],
];

function available(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

function run(cmd: string, args: string[], input: Buffer): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

describe('the reference command-line tools', () => {
  const tools: [Codec, string, string[][], string[]][] = [
    [lz4, 'lz4', [['-c'], ['-c', '-BX', '-B4'], ['-c', '-B7', '-9'], ['-c', '--content-size', '-B5']], ['-d', '-c']],
    [zstd, 'zstd', [['-c', '-q'], ['-c', '-q', '--check', '-19'], ['-c', '-q', '--fast=5']], ['-d', '-c', '-q']],
    [gzip, 'gzip', [['-c'], ['-c', '-1'], ['-c', '-9']], ['-d', '-c']],
  ];
  for (const [codec, cmd, compressArgs, decompressArgs] of tools) {
    const skip = available(cmd, ['--version']) ? false : `${cmd} is not installed`;
    test(`${cmd} decompresses our ${codec.name} streams at every level boundary`, { skip }, () => {
      for (const level of LEVELS.find(([c]) => c === codec)![1]) {
        for (const [name, input] of Object.entries(INPUTS)) {
          assert.deepEqual(run(cmd, decompressArgs, codec.compress(input, level)), input, `${name} at level ${level}`);
        }
      }
    });
    test(`we decompress ${cmd}'s ${codec.name} streams`, { skip }, () => {
      for (const args of compressArgs) {
        for (const [name, input] of Object.entries(INPUTS)) {
          const theirs = run(cmd, args, input);
          if (name === 'empty' && theirs.length === 0) continue; // nothing to read
          assert.deepEqual(codec.decompress(theirs), input, `${cmd} ${args.join(' ')} of ${name}`);
        }
      }
    });
  }
});

/**
 * Compresses or decompresses files with Kafka's own `Compression` classes, as a producer and a
 * broker do. Reads tasks, one per line: `compress|decompress codec level input output`; writes
 * `output`, or `output.err` with the exception. Reflection finds ByteBufferOutputStream and
 * BufferSupplier in whichever package this Kafka version keeps them.
 */
const KAFKA_CODECS_JAVA = String.raw`
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;

public class KafkaCodecs {
    static Class<?> firstClass(String... names) throws ClassNotFoundException {
        for (String n : names) {
            try { return Class.forName(n); } catch (ClassNotFoundException e) { /* try the next */ }
        }
        throw new ClassNotFoundException(String.join(" or ", names));
    }

    static Compression build(String codec, int level) {
        switch (codec) {
            case "gzip": return Compression.gzip().level(level).build();
            case "snappy": return Compression.snappy().build();
            case "lz4": return Compression.lz4().level(level).build();
            case "zstd": return Compression.zstd().level(level).build();
            default: throw new IllegalArgumentException(codec);
        }
    }

    public static void main(String[] args) throws Exception {
        Class<?> sinkClass = firstClass("org.apache.kafka.common.utils.internals.ByteBufferOutputStream",
                "org.apache.kafka.common.utils.ByteBufferOutputStream");
        Class<?> supplierClass = firstClass("org.apache.kafka.common.utils.internals.BufferSupplier",
                "org.apache.kafka.common.utils.BufferSupplier");
        var wrapForOutput = Compression.class.getMethod("wrapForOutput", sinkClass, byte.class);
        var wrapForInput = Compression.class.getMethod("wrapForInput", ByteBuffer.class, byte.class, supplierClass);
        byte magicV2 = 2;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(" ");
            try {
                byte[] in = Files.readAllBytes(Path.of(f[3]));
                Compression c = build(f[1], Integer.parseInt(f[2]));
                if (f[0].equals("compress")) {
                    Object sink = sinkClass.getConstructor(int.class).newInstance(1024);
                    try (OutputStream os = (OutputStream) wrapForOutput.invoke(c, sink, magicV2)) { os.write(in); }
                    ByteBuffer b = (ByteBuffer) sinkClass.getMethod("buffer").invoke(sink);
                    b.flip();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    Files.write(Path.of(f[4]), bytes);
                } else {
                    Object buffers = supplierClass.getMethod("create").invoke(null);
                    try (InputStream is = (InputStream) wrapForInput.invoke(c, ByteBuffer.wrap(in), magicV2, buffers)) {
                        Files.write(Path.of(f[4]), is.readAllBytes());
                    }
                }
            } catch (Throwable t) {
                Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
                Files.writeString(Path.of(f[4] + ".err"), String.valueOf(cause));
            }
        }
    }
}
`;

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** kafka-clients (newest 3.8+) and the codec jars its pom names, or why they cannot be had. */
function kafkaClasspath(): { classpath: string; version: string } | { missing: string } {
  const repo = process.env.MAVEN_REPO ?? join(homedir(), '.m2', 'repository');
  const clients = join(repo, 'org', 'apache', 'kafka', 'kafka-clients');
  if (!existsSync(clients)) return { missing: `no kafka-clients in ${repo}` };
  const version = readdirSync(clients)
    .filter((v) => compareVersions(v, '3.8.0') >= 0 && existsSync(join(clients, v, `kafka-clients-${v}.jar`)))
    .sort(compareVersions)
    .pop();
  if (version === undefined) return { missing: `no kafka-clients 3.8+ jar in ${clients}` };
  const pom = readFileSync(join(clients, version, `kafka-clients-${version}.pom`), 'utf8');
  const jars = [join(clients, version, `kafka-clients-${version}.jar`)];
  for (const artifact of ['zstd-jni', 'lz4-java', 'snappy-java', 'slf4j-api']) {
    const dep = [...pom.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)]
      .map((m) => m[1])
      .find((d) => d.includes(`<artifactId>${artifact}</artifactId>`));
    const groupId = dep?.match(/<groupId>([^<]+)<\/groupId>/)?.[1];
    const depVersion = dep?.match(/<version>([^<]+)<\/version>/)?.[1];
    if (!groupId || !depVersion) return { missing: `kafka-clients ${version}'s pom names no ${artifact}` };
    const jar = join(repo, ...groupId.split('.'), artifact, depVersion, `${artifact}-${depVersion}.jar`);
    if (!existsSync(jar)) return { missing: `${jar} is not in the local Maven repository` };
    jars.push(jar);
  }
  return { classpath: jars.join(':'), version };
}

describe('the Java client (Apache Kafka’s own Compression classes)', { timeout: 300_000 }, () => {
  const found = kafkaClasspath();
  const skip = !available('java', ['-version'])
    ? 'java is not installed'
    : 'missing' in found
      ? found.missing
      : false;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-compression-interop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  interface Task {
    kind: 'compress' | 'decompress';
    codec: Codec;
    level: number;
    input: string;
    out: string;
  }
  const tasks: Task[] = [];
  let ran = false;

  /** Runs every task in one JVM, once, on first use. */
  function runJava(): void {
    if (ran) return;
    ran = true;
    if ('missing' in found) return;
    for (const [name, input] of Object.entries(INPUTS)) writeFileSync(join(dir, `${name}.in`), input);
    for (const [codec, levels] of LEVELS) {
      for (const level of levels) {
        for (const name of Object.keys(INPUTS)) {
          const tag = `${codec.name}.${level}.${name}`;
          tasks.push({ kind: 'compress', codec, level, input: name, out: join(dir, `${tag}.java`) });
          writeFileSync(join(dir, `${tag}.ours`), codec.compress(INPUTS[name], level));
          tasks.push({ kind: 'decompress', codec, level, input: name, out: join(dir, `${tag}.back`) });
        }
      }
    }
    writeFileSync(
      join(dir, 'tasks.txt'),
      tasks
        .map((t) => {
          const tag = `${t.codec.name}.${t.level}.${t.input}`;
          const from = t.kind === 'compress' ? join(dir, `${t.input}.in`) : join(dir, `${tag}.ours`);
          return `${t.kind} ${t.codec.name} ${t.level} ${from} ${t.out}`;
        })
        .join('\n'),
    );
    writeFileSync(join(dir, 'KafkaCodecs.java'), KAFKA_CODECS_JAVA);
    const r = spawnSync('java', ['-cp', found.classpath, 'KafkaCodecs.java', 'tasks.txt'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `java failed: ${r.stderr}`);
  }

  function result(t: Task): Buffer {
    const err = `${t.out}.err`;
    if (existsSync(err)) assert.fail(`Java ${t.kind} ${t.codec.name} level ${t.level} of ${t.input}: ${readFileSync(err, 'utf8')}`);
    return readFileSync(t.out);
  }

  for (const [codec, levels] of LEVELS) {
    test(`Java reads our ${codec.name} at levels ${levels.join(', ')}, for every input size`, { skip }, (t) => {
      runJava();
      if (!('missing' in found)) t.diagnostic(`kafka-clients ${found.version}`);
      for (const task of tasks.filter((x) => x.codec === codec && x.kind === 'decompress')) {
        assert.deepEqual(result(task), INPUTS[task.input], `${codec.name} level ${task.level} of ${task.input}`);
      }
    });
    test(`we read Java's ${codec.name} at levels ${levels.join(', ')}, for every input size`, { skip }, () => {
      runJava();
      for (const task of tasks.filter((x) => x.codec === codec && x.kind === 'compress')) {
        const javas = result(task);
        assert.deepEqual(codec.decompress(javas), INPUTS[task.input], `${codec.name} level ${task.level} of ${task.input}`);
      }
    });
  }

  test('Java’s lz4 and snappy framing bytes are ours: same header, and identical streams where no compressor choice is involved', { skip }, () => {
    runJava();
    const java = (codec: Codec, input: string): Buffer =>
      result(tasks.find((x) => x.codec === codec && x.kind === 'compress' && x.input === input && x.level === (codec.levels?.default ?? 0))!);
    assert.deepEqual(lz4.compress(INPUTS.empty), java(lz4, 'empty'));
    assert.deepEqual(snappy.compress(INPUTS.empty), java(snappy, 'empty'));
    assert.deepEqual(lz4.compress(INPUTS.r1m).subarray(0, 7), java(lz4, 'r1m').subarray(0, 7));
    assert.deepEqual(snappy.compress(INPUTS.r1m).subarray(0, 16), java(snappy, 'r1m').subarray(0, 16));
    // Incompressible input: every lz4 block is stored, so the frames are equal byte for byte.
    assert.deepEqual(lz4.compress(INPUTS.rand200k), java(lz4, 'rand200k'));
  });
});
