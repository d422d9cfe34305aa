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
 * Output: node's spec reporter for people, then the TAP summary lines (`# tests N`,
 * `# pass N`, `# fail N`, ...) as the closing lines, which is what CI reads. Exit code: the test
 * run's.
 *
 * Plain JavaScript on purpose: it runs right after `tsc -b` and needs nothing else compiled
 * except the harness it imports.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
function runNodeTest(files, nodeFlags, tapFile) {
  const args = [
    '--test',
    '--test-concurrency=1',
    // A file whose tests are done exits even if a failed test left a handle open (a producer
    // not closed): a failure must fail the run, never hang it until CI's limit.
    '--test-force-exit',
    // And no single test may hang: the slowest (3-broker failover) take a minute or two.
    '--test-timeout=600000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...nodeFlags,
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env });
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

/** The TAP reporter's closing summary (`# tests N` ... `# duration_ms N`). */
function tapSummary(tapFile) {
  if (!existsSync(tapFile)) return [];
  const lines = readFileSync(tapFile, 'utf8').trimEnd().split('\n');
  const start = lines.findLastIndex((l) => l.startsWith('# tests '));
  if (start >= 0) return lines.slice(start).filter((l) => l.startsWith('# '));
  // With --test-force-exit the runner may exit before the TAP reporter writes its closing
  // summary: count the top-level results ourselves (one per test, at column 0).
  let pass = 0;
  let fail = 0;
  let skipped = 0;
  let todo = 0;
  for (const l of lines) {
    if (/^not ok \d+/.test(l)) fail++;
    else if (/^ok \d+/.test(l)) {
      if (/# SKIP/i.test(l)) skipped++;
      else if (/# TODO/i.test(l)) todo++;
      else pass++;
    }
  }
  if (pass + fail + skipped + todo === 0) return [];
  return [`# tests ${pass + fail + skipped + todo}`, `# pass ${pass}`, `# fail ${fail}`, `# skipped ${skipped}`, `# todo ${todo}`];
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

  const tapDir = mkdtempSync(join(tmpdir(), 'tandem-tests-'));
  const tapFile = join(tapDir, 'report.tap');
  let code;
  try {
    code = await runNodeTest(files, nodeFlags, tapFile);
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
  // The closing lines CI reads: node's standard summary, after everything else.
  const summary = tapSummary(tapFile);
  rmSync(tapDir, { recursive: true, force: true });
  if (summary.length > 0) console.log(summary.join('\n'));
  else console.log(`# tests 0\n# pass 0\n# fail ${code === 0 ? 0 : 1}`);
  return code;
}

process.exitCode = await main();
