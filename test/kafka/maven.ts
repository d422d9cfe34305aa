import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, runCommand } from './command.js';
import { HarnessError } from './errors.js';
import { harnessSourceDir, stateRoot } from './paths.js';
import { usesLog4j2 } from './versions.js';

/**
 * Resolving the broker's jars with Maven, once per version.
 *
 * We do not download a Kafka tarball: Maven Central has every released broker as artifacts
 * (`kafka_2.13`, `kafka-tools`), Maven keeps them in ~/.m2 between runs and CI caches, and one
 * pom (test/kafka/pom.xml) picks any version with `-Dkafka.version`. The resolved classpath is
 * cached under `.kafka/classpath/`, so only the first start of a version pays for Maven (about
 * 25 s cold, 3 s warm); later starts read one file.
 */

/** Maven may download a few hundred MB on a cold cache; beyond this something is wrong. */
const MAVEN_TIMEOUT_MS = 10 * 60_000;

const classpathCache = new Map<string, Promise<string[]>>();

/**
 * The jars of Kafka `version` (broker, tools, clients and their dependencies, plus the slf4j
 * binding that makes the broker log), resolving them with Maven the first time.
 *
 * @throws HarnessError `maven-missing` or `maven-failed`, in one line.
 * @example
 * ```ts
 * const jars = await kafkaClasspath('3.9.1');
 * spawn('java', ['-cp', jars.join(':'), 'kafka.Kafka', 'server.properties']);
 * ```
 */
export function kafkaClasspath(version: string): Promise<string[]> {
  let pending = classpathCache.get(version);
  if (pending === undefined) {
    pending = resolveClasspath(version);
    // A failure is not cached: the next call (after the user fixes the network) tries again.
    pending.catch(() => classpathCache.delete(version));
    classpathCache.set(version, pending);
  }
  return pending;
}

async function resolveClasspath(version: string): Promise<string[]> {
  if (!/^[0-9A-Za-z.\-_]+$/.test(version)) {
    throw new HarnessError('maven-failed', `not a Kafka version: "${version}"`);
  }
  const cacheDir = join(stateRoot, 'classpath');
  const cacheFile = join(cacheDir, `${version}.txt`);
  const cached = await readCachedClasspath(cacheFile);
  if (cached !== undefined) return cached;

  await mkdir(cacheDir, { recursive: true });
  // Maven writes the file itself; a temporary name keeps a concurrent reader from seeing half.
  const tmpFile = `${cacheFile}.${process.pid}.tmp`;
  const args = [
    '-B',
    '-q',
    '-f',
    join(harnessSourceDir, 'pom.xml'),
    `-Dkafka.version=${version}`,
    `-Dmdep.outputFile=${tmpFile}`,
    ...(usesLog4j2(version) ? ['-Plog4j2-binding'] : []),
    'dependency:build-classpath',
  ];
  let result;
  try {
    result = await runCommand('mvn', args, { timeoutMs: MAVEN_TIMEOUT_MS });
  } catch (error) {
    if (isNotFound(error)) {
      throw new HarnessError(
        'maven-missing',
        `cannot resolve Kafka ${version}: no "mvn" on PATH (install Maven 3.8+, e.g. apt-get install maven)`,
      );
    }
    throw error;
  }
  if (result.timedOut || result.code !== 0 || !existsSync(tmpFile)) {
    await rm(tmpFile, { force: true });
    const why = result.timedOut
      ? `Maven did not finish in ${MAVEN_TIMEOUT_MS / 60_000} min`
      : mavenErrorLine(result.stdout.toString() + result.stderr.toString());
    throw new HarnessError('maven-failed', `cannot resolve Kafka ${version} with Maven: ${why}`);
  }
  await rename(tmpFile, cacheFile);
  const jars = await readCachedClasspath(cacheFile);
  if (jars === undefined) throw new HarnessError('maven-failed', `Maven resolved Kafka ${version} to an empty classpath`);
  return jars;
}

/** The cached classpath if every jar in it still exists (~/.m2 may have been cleaned since). */
async function readCachedClasspath(file: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const jars = text.trim().split(':').filter((p) => p.length > 0);
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return jars;
}

/**
 * The most telling line of Maven's output. Maven's own summary repeats the cause inside a long
 * "Failed to execute goal" sentence; the cause itself ("Could not find artifact ...", "Could not
 * transfer artifact ... Unknown host") is what the user needs.
 */
function mavenErrorLine(output: string): string {
  // Maven colours its output even in batch mode on some terminals.
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const errors = plain
    .split('\n')
    .filter((l) => l.startsWith('[ERROR]'))
    .map((l) => l.slice('[ERROR]'.length).trim())
    .filter((l) => l.length > 0);
  // Most specific first: the artifact that is missing or could not be downloaded, then the
  // project-level "could not resolve dependencies", then whatever Maven said first.
  const cause =
    plain.match(/(Could not (?:find|transfer) artifact [^\n]*?)(?: -> \[Help|\n|$)/)?.[1] ??
    plain.match(/(\S+ was not found in \S+)/)?.[1] ??
    plain.match(/(Could not resolve [^\n]*?)(?: -> \[Help|\n|$)/)?.[1] ??
    errors[0] ??
    plain.trim().split('\n').at(-1) ??
    'unknown error';
  const trimmed = cause.replace(/\s*-> \[Help \d+\]\s*$/, '');
  const short = trimmed.length > 300 ? `${trimmed.slice(0, 300)}...` : trimmed;
  // Offline or behind a proxy, Maven's words rarely say so.
  const offline = /Unknown host|Connection refused|Connect to .* failed|timed out|No plugin found for prefix|Could not transfer/i.test(plain);
  return offline ? `${short} (is Maven Central reachable from here? check the network or Maven's proxy settings)` : short;
}
