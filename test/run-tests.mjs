#!/usr/bin/env node
/**
 * Runs Tandem's compiled tests on node's own test runner: `pnpm test [unit|integration] [filter...]`.
 *
 *   unit         test/dist/unit/**\/*.test.js
 *   integration  test/dist/integration/**\/*.test.js, against a real broker
 *   (neither)    both
 *
 * Further arguments starting with `--` go to `node --test` (e.g. `--test-name-pattern=crc`);
 * any other argument keeps only the test files whose path contains it.
 *
 * Integration tests need Kafka. With KAFKA_BOOTSTRAP set they use that cluster. Otherwise this
 * script starts the harness broker (or reuses the one `pnpm kafka:start` left running), passes
 * its address to the tests as KAFKA_BOOTSTRAP, and afterwards stops it if, and only if, it
 * started it.
 *
 * Output: node's spec reporter for people, then the test census as the closing lines, which is
 * what CI reads:
 *
 *   # tests N  # pass N  # fail N  # cancelled N  # skipped N  # todo N   (one to a line)
 *
 * counted by test/census-reporter.mjs, a second reporter in the same run: tests are `test()`/`it()`
 * with no subtests, never describe blocks (that file says exactly what counts as what). The
 * count is the same on every run and node version although --test-force-exit ends processes
 * early: the reporter rewrites the census in a temporary file synchronously after every result,
 * and the same module, loaded with --import into every test file's process, holds off that
 * process's forced exit until its results have been written out to the runner. (Before, node's
 * TAP summary often went missing, and the results themselves did: the count came out different
 * on every run.)
 *
 * Exit code: the test run's; and non-zero as well if the census has any failed or cancelled
 * test, or could not be read, whatever node's own exit code was.
 *
 * Plain JavaScript on purpose: it runs right after `tsc -b` and needs nothing else compiled
 * except the harness it imports.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { censusLines } from './census-reporter.mjs';

const testRoot = dirname(fileURLToPath(import.meta.url));
const distRoot = join(testRoot, 'dist');

/** Every `*.test.js` under `dir`, sorted (node 20's --test takes files, not globs). */
function findTests(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

function parseArgs(argv) {
  let kinds = ['unit', 'integration'];
  let rest = argv;
  if (argv[0] === 'unit' || argv[0] === 'integration') {
    kinds = [argv[0]];
    rest = argv.slice(1);
  }
  return {
    kinds,
    nodeFlags: rest.filter((a) => a.startsWith('--')),
    filters: rest.filter((a) => !a.startsWith('--')),
  };
}

/** Starts (or reuses) the harness broker; returns what to stop afterwards, if anything. */
async function provideKafka() {
  const harness = await import(join(distRoot, 'kafka', 'index.js'));
  const began = performance.now();
  try {
    const cluster = await harness.ensureKafka();
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    console.log(
      cluster.started
        ? `run-tests: started Kafka ${cluster.version} at ${cluster.bootstrap} in ${seconds} s`
        : `run-tests: using the running Kafka ${cluster.version} at ${cluster.bootstrap}`,
    );
    process.env.KAFKA_BOOTSTRAP = cluster.bootstrap;
    process.env.KAFKA_VERSION = cluster.version;
    return cluster.started ? () => harness.stopCluster(cluster.name) : undefined;
  } catch (error) {
    const reason = error?.reason !== undefined ? ` (${error.reason})` : '';
    console.error(`run-tests: could not start Kafka${reason}: ${error?.message ?? error}`);
    process.exit(1);
  }
}

/** Runs node --test; resolves with its exit code. Ctrl-C reaches it through the terminal. */
function runNodeTest(files, nodeFlags, censusFile) {
  const census = pathToFileURL(join(testRoot, 'census-reporter.mjs')).href;
  const args = [
    // Passed on to every test file's process: with --test-force-exit, process.exit() there
    // waits for the file's results to be written out to the runner (see census-reporter.mjs).
    `--import=${census}`,
    '--test',
    '--test-concurrency=1',
    // A file whose tests are done exits even if a failed test left a handle open (a producer
    // not closed): a failure must fail the run, never hang it until CI's limit.
    '--test-force-exit',
    // And no single test may hang: the slowest (3-broker failover) take a minute or two.
    '--test-timeout=600000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    // The census goes to TANDEM_TEST_CENSUS, written by the reporter itself; its stream
    // output (none while that is set) needs a destination all the same.
    `--test-reporter=${census}`,
    '--test-reporter-destination=stderr',
    ...nodeFlags,
    ...files,
  ];
  return new Promise((resolve) => {
    const env = { ...process.env, TANDEM_TEST_CENSUS: censusFile };
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    // While the tests run, a signal to us (CI cancelling the job) is passed on, and the
    // broker is still stopped below once they have exited.
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal !== null ? 1 : 0));
    });
  });
}

/** The census the reporter left (`{ tests, pass, fail, ... }`), or undefined if it left none. */
function readCensus(censusFile) {
  if (!existsSync(censusFile)) return undefined;
  const census = {};
  for (const line of readFileSync(censusFile, 'utf8').split('\n')) {
    const m = /^# (\w+) (\d+)$/.exec(line);
    if (m !== null) census[m[1]] = Number(m[2]);
  }
  const keys = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
  return keys.every((k) => Number.isInteger(census[k])) ? census : undefined;
}

async function main() {
  const { kinds, nodeFlags, filters } = parseArgs(process.argv.slice(2));
  const byKind = Object.fromEntries(
    kinds.map((kind) => [kind, findTests(join(distRoot, kind)).filter((f) => filters.every((s) => relative(testRoot, f).includes(s)))]),
  );
  const files = kinds.flatMap((kind) => byKind[kind]);
  if (files.length === 0) {
    console.log(`run-tests: no compiled ${kinds.join(' or ')} tests found under ${relative(process.cwd(), distRoot) || '.'}${filters.length > 0 ? ` matching ${filters.join(' ')}` : ''}`);
    return 0;
  }

  let stopKafka;
  const needsKafka = (byKind.integration?.length ?? 0) > 0;
  if (needsKafka && (process.env.KAFKA_BOOTSTRAP ?? '').trim() === '') stopKafka = await provideKafka();

  const censusDir = mkdtempSync(join(tmpdir(), 'tandem-tests-'));
  const censusFile = join(censusDir, 'census.txt');
  let code;
  try {
    code = await runNodeTest(files, nodeFlags, censusFile);
  } finally {
    if (stopKafka !== undefined) {
      try {
        await stopKafka();
        console.log('run-tests: stopped the Kafka it started');
      } catch (error) {
        console.error(`run-tests: could not stop Kafka: ${error?.message ?? error}`);
      }
    }
  }
  // The closing lines CI reads, after everything else.
  const census = readCensus(censusFile);
  rmSync(censusDir, { recursive: true, force: true });
  if (census === undefined) {
    console.error('run-tests: the census reporter left no count (did node --test start?)');
    console.log(censusLines({ tests: 0, pass: 0, fail: 1, cancelled: 0, skipped: 0, todo: 0 }).join('\n'));
    return code === 0 ? 1 : code;
  }
  console.log(censusLines(census).join('\n'));
  if (code === 0 && census.fail + census.cancelled > 0) {
    console.error(`run-tests: node exited 0 but the census has ${census.fail} failed and ${census.cancelled} cancelled`);
    return 1;
  }
  return code;
}

process.exitCode = await main();
