#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { findRunningCluster, type KafkaCluster, startCluster, stopAllClusters, stopCluster, type StopReport } from './cluster.js';
import { HarnessError } from './errors.js';
import { listClusterNames } from './state.js';
import { SASL_PASSWORD, SASL_USER, SECURITY_CLUSTER } from './security.js';
import { tlsFiles } from './tls.js';
import type { ClusterOptions } from './topology.js';

/**
 * `pnpm kafka:start` / `pnpm kafka:stop`: the harness from a shell.
 *
 *   start  [--version V] [--brokers 1|3] [--port P] [--name N] [--timeout SECONDS] [--security]
 *          Starts a cluster, or reuses the one running under the same name. Prints key=value
 *          lines on stdout, `bootstrap=HOST:PORT[,...]` always last. --security starts the
 *          `security` cluster instead (SSL, MTLS, SASL_PLAINTEXT and SASL_SSL listeners beside
 *          PLAINTEXT, see security.ts) and also prints each listener's address
 *          (`listener.SASL_SSL=HOST:PORT`), the test CA (`ca=FILE`) and the SASL user.
 *   stop   [--version V] [--brokers 1|3] [--name N] | --all
 *          Stops the cluster that `start` with the same options started (or every one).
 *   status [--all]
 *          Prints the running clusters' bootstraps.
 *
 * The version defaults to KAFKA_VERSION, else 4.4.0. Any failure is one line on stderr and exit
 * code 1 (2 for a usage error).
 */

const USAGE = 'usage: cli.js start|stop|status [--version V] [--brokers 1|3] [--port P] [--name N] [--timeout SECONDS] [--security] [--all]';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        version: { type: 'string' },
        brokers: { type: 'string' },
        port: { type: 'string' },
        name: { type: 'string' },
        timeout: { type: 'string' },
        all: { type: 'boolean' },
        security: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`kafka: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true || command === undefined || positionals.length > 1) {
    console.error(USAGE);
    return values.help === true ? 0 : 2;
  }
  const options: ClusterOptions = values.security === true ? { ...SECURITY_CLUSTER } : {};
  if (values.version !== undefined) options.version = values.version;
  if (values.name !== undefined) options.name = values.name;
  if (values.brokers !== undefined) options.brokers = integer('--brokers', values.brokers);
  if (values.port !== undefined) options.port = integer('--port', values.port);
  if (values.timeout !== undefined) options.startTimeoutMs = integer('--timeout', values.timeout) * 1000;

  switch (command) {
    case 'start':
      return start(options);
    case 'stop':
      return stop(options, values.all === true);
    case 'status':
      return status(options, values.all === true);
    default:
      console.error(`kafka: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

function integer(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new HarnessError('unsupported', `${flag} wants a positive integer, got "${text}"`);
  return n;
}

async function start(options: ClusterOptions): Promise<number> {
  const began = performance.now();
  const cluster = await startCluster(options);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.error(
    cluster.started
      ? `kafka: started Kafka ${cluster.version} (${cluster.brokers.length} broker(s)) in ${seconds} s`
      : `kafka: reusing the running Kafka ${cluster.version} (${cluster.brokers.length} broker(s))`,
  );
  printCluster(cluster);
  return 0;
}

function printCluster(cluster: KafkaCluster): void {
  console.log(`name=${cluster.name ?? ''}`);
  console.log(`version=${cluster.version}`);
  console.log(`pids=${cluster.brokers.map((b) => b.pid).join(',')}`);
  console.log(`logs=${cluster.brokers.map((b) => b.serverLog).join(',')}`);
  const secured = Object.entries(cluster.listenerBootstrap).filter(([, address]) => address !== cluster.bootstrap);
  if (secured.length > 0) {
    for (const [name, address] of secured) console.log(`listener.${name}=${address}`);
    console.log(`ca=${tlsFiles().caFile}`);
    console.log(`sasl=${SASL_USER}:${SASL_PASSWORD}`);
  }
  console.log(`bootstrap=${cluster.bootstrap}`);
}

async function stop(options: ClusterOptions, all: boolean): Promise<number> {
  const reports = all ? await stopAllClusters() : [await stopCluster(options)];
  for (const report of reports) printStop(report);
  return 0;
}

function printStop(report: StopReport): void {
  const stopped = report.brokers.filter((b) => b.outcome !== 'not-running');
  if (stopped.length === 0 && report.strays.length === 0) {
    console.log(`kafka: nothing running for cluster ${report.name}`);
    return;
  }
  for (const b of stopped) console.log(`kafka: stopped broker ${b.nodeId} of ${report.name} (pid ${b.pid}, ${b.outcome === 'terminated' ? 'clean shutdown' : 'killed after the grace period'})`);
  for (const pid of report.strays) console.log(`kafka: stopped an unrecorded broker JVM of ${report.name} (pid ${pid})`);
}

async function status(options: ClusterOptions, all: boolean): Promise<number> {
  const names = all ? await listClusterNames() : [undefined];
  let running = 0;
  for (const name of names) {
    const cluster = await findRunningCluster(name ?? options);
    if (cluster === undefined) continue;
    running++;
    printCluster(cluster);
  }
  if (running === 0) console.error('kafka: no harness cluster running');
  return running === 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const prefix = `kafka:${process.argv[2] ?? ''}`;
    if (error instanceof HarnessError) {
      console.error(`${prefix} failed (${error.reason}): ${error.message}`);
    } else {
      // Not one of ours: still one line, with the stack only on request.
      console.error(`${prefix} failed: ${(error as Error)?.message ?? String(error)}`);
      if (process.env['DEBUG'] !== undefined) console.error(error);
    }
    process.exitCode = 1;
  },
);
