/**
 * The benchmarks' command line: `node benchmarks/dist/cli.js <command> [options]`, which the
 * root package.json's `bench*` scripts call.
 *
 *   perf      one client, one workload (kafka-producer-perf-test's options)
 *   compare   the same workloads with every client, alternating over rounds; table, JSON, chart
 *   presets   Tandem's presets on the same workloads; regenerates docs/presets.md
 *   micro     the micro benchmarks of the hot paths, one by one
 *   peers     install the other clients (kafkajs, @confluentinc/kafka-javascript) now
 *   profile   where a V8 CPU profile's busy samples went (self, inclusive, by line)
 */
const USAGE = `usage: node benchmarks/dist/cli.js <command> [options]

  perf [options]       one client, one workload (see: perf --help)
  compare [options]    every client on the same workloads, side by side (see: compare --help)
  presets [options]    each Tandem preset on the same workloads; writes docs/presets.md (see: presets --help)
  micro [name ...]     run the micro benchmarks (benchmarks/dist/micro/*.js), or the named ones
  peers [--force]      install kafkajs and @confluentinc/kafka-javascript into benchmarks/peers
  profile <file>       where a CPU profile's (node --cpu-prof) busy samples went (see: profile --help)
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'perf':
      return (await import('./perf/command.js')).perfCommand(rest);
    case 'compare':
      return (await import('./compare/command.js')).compareCommand(rest);
    case 'presets':
      return (await import('./presets/command.js')).presetsCommand(rest);
    case 'micro':
      return (await import('./micro-runner.js')).microCommand(rest);
    case 'profile':
      return (await import('./perf/cpu-profile.js')).profileCommand(rest);
    case 'peers':
      return (await import('./clients/peers.js')).ensurePeers({ force: rest.includes('--force') });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  // Clients and the harness may leave sockets or timers behind: the command is over.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
