/**
 * Installs the clients Tandem is compared with, on demand and idempotently.
 *
 * They live in benchmarks/peers/, a package of their own that is NOT a workspace member: a
 * `pnpm install` of Tandem never fetches them, and none of them can leak into the product's
 * dependency tree. The comparison calls {@link ensurePeers} before it starts; so does
 * `pnpm bench:peers`.
 *
 * - kafkajs: pure JavaScript.
 * - @confluentinc/kafka-javascript (librdkafka): its install script tries to download a prebuilt
 *   binary, which this network cannot reach, so it is built from source against Debian's
 *   libraries (`CKJS_LINKING=dynamic`). That needs the -dev packages below, installed with
 *   apt-get when missing (as root, or through sudo). It is an optional dependency: if it fails to
 *   build, kafkajs still installs and the confluent driver says why it cannot run.
 * - The Java producer needs nothing here: Kafka's ProducerPerformance comes with the harness's
 *   Maven classpath.
 *
 *   node benchmarks/dist/clients/peers.js [--force]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { peersDir } from '../paths.js';

/** Debian packages librdkafka links against when built with `CKJS_LINKING=dynamic`. */
export const CONFLUENT_APT_PACKAGES = ['libssl-dev', 'zlib1g-dev', 'libzstd-dev', 'liblz4-dev', 'libsasl2-dev', 'libcurl4-openssl-dev'];

/** The peers' package names, as the drivers require them. */
export const PEER_PACKAGES = { kafkajs: 'kafkajs', confluent: '@confluentinc/kafka-javascript' } as const;
export type PeerName = keyof typeof PEER_PACKAGES;

const STAMP = join(peersDir, 'node_modules', '.tandem-peers-stamp');
const LOG = join(peersDir, 'install.log');

/** Progress lines go to stderr, prefixed, so stdout stays the benchmark's own output. */
function log(message: string): void {
  process.stderr.write(`[peers] ${message}\n`);
}

/**
 * Loads a peer client from benchmarks/peers/node_modules (CommonJS `require`, which both peers
 * are). Throws a one-line error naming the fix when it is not installed or did not build.
 */
export function requirePeer(name: PeerName): unknown {
  const require = createRequire(join(peersDir, 'package.json'));
  try {
    return require(PEER_PACKAGES[name]);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`${PEER_PACKAGES[name]} is not usable (${why}): run \`npx -y pnpm@10 bench:peers\` (log in ${LOG})`);
  }
}

/** The installed version of a peer, or undefined. */
export function peerVersion(name: PeerName): string | undefined {
  const manifest = join(peersDir, 'node_modules', PEER_PACKAGES[name], 'package.json');
  if (!existsSync(manifest)) return undefined;
  const require = createRequire(join(peersDir, 'package.json'));
  return (require(manifest) as { version?: string }).version;
}

function isUpToDate(): boolean {
  if (!existsSync(STAMP)) return false;
  const stamped = statSync(STAMP).mtimeMs;
  const inputs = ['package.json', 'pnpm-lock.yaml'].map((f) => join(peersDir, f)).filter((f) => existsSync(f));
  return inputs.every((f) => statSync(f).mtimeMs <= stamped);
}

/** Missing Debian packages among `packages` (empty when dpkg is not there: not Debian, trust the system). */
function missingDebianPackages(packages: readonly string[]): string[] {
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...packages], { encoding: 'utf8' });
  if (probe.error !== undefined) return [];
  const installed = new Set(
    probe.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]!.split(':')[0]!),
  );
  return packages.filter((p) => !installed.has(p));
}

async function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  await mkdir(peersDir, { recursive: true });
  const out = createWriteStream(logFile, { flags: 'a' });
  await new Promise<void>((resolveRun, reject) => {
    out.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { cwd: peersDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}): see ${logFile}`));
    });
  });
  await new Promise((r) => out.end(r));
}

async function ensureDebianPackages(): Promise<void> {
  const missing = missingDebianPackages(CONFLUENT_APT_PACKAGES);
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!root && !sudo) {
    throw new Error(`@confluentinc/kafka-javascript builds against ${missing.join(', ')}: install them (apt-get install ${missing.join(' ')}) and run again`);
  }
  const started = Date.now();
  log(`apt-get install ${missing.join(' ')} (librdkafka's build needs them)`);
  const prefix = root ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, ...pre] = [...prefix, 'apt-get'];
  await run(cmd!, [...pre, 'update', '-qq'], env, LOG);
  await run(cmd!, [...pre, 'install', '-y', '-qq', '--no-install-recommends', ...missing], env, LOG);
  log(`apt-get done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Options of {@link ensurePeers}. */
export interface EnsurePeersOptions {
  /** Reinstall even when the stamp says the install is current. */
  force?: boolean;
}

/**
 * Makes benchmarks/peers/node_modules hold kafkajs and a working @confluentinc/kafka-javascript.
 * A no-op (a stat or two) when a previous install is current.
 */
export async function ensurePeers(options: EnsurePeersOptions = {}): Promise<void> {
  if (options.force !== true && isUpToDate()) return;
  const started = Date.now();
  await ensureDebianPackages();

  const env: NodeJS.ProcessEnv = { ...process.env, CKJS_LINKING: 'dynamic' };
  // node-gyp builds against the running Node's own headers instead of downloading them.
  const nodePrefix = resolve(process.execPath, '..', '..');
  if (existsSync(join(nodePrefix, 'include', 'node', 'common.gypi'))) env['npm_config_nodedir'] = nodePrefix;

  log('installing kafkajs and @confluentinc/kafka-javascript in benchmarks/peers (librdkafka builds from source: a minute or two)');
  const frozen = existsSync(join(peersDir, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  // --ignore-workspace: benchmarks/peers is deliberately not a workspace member.
  await run('npx', ['-y', 'pnpm@10', 'install', '--ignore-workspace', ...frozen, '--reporter=append-only'], env, LOG);

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const confluent = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(PEER_PACKAGES.confluent)})`], { cwd: peersDir, encoding: 'utf8' });
  if (confluent.status !== 0) {
    log(`@confluentinc/kafka-javascript did not build (see ${LOG}); the other clients still run`);
  }
  await writeFile(STAMP, `${new Date().toISOString()}\n`);
  log(`peers ready in ${seconds} s (kafkajs ${peerVersion('kafkajs') ?? '?'}, @confluentinc/kafka-javascript ${peerVersion('confluent') ?? 'not built'})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensurePeers({ force: process.argv.includes('--force') }).catch((error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
