/**
 * A node:test reporter that counts tests by outcome and keeps the count in a file, rewritten
 * synchronously after every result, for test/run-tests.mjs to print as its closing lines:
 *
 *   # tests N       every test counted below
 *   # pass N
 *   # fail N
 *   # cancelled N   timed out, aborted, or cut short by its parent (a hook failed, the file ended)
 *   # skipped N
 *   # todo N
 *
 * run-tests.mjs loads it twice over, the same module both times:
 *
 *   TANDEM_TEST_CENSUS=<file> node --import=<this file's URL> --test --test-force-exit
 *     --test-reporter=<this file's URL> --test-reporter-destination=stderr ...
 *
 * As the reporter (in the runner's process) it counts. As the --import, which node passes on
 * to every test file's process, it makes --test-force-exit wait for the results to be written:
 * node runs each test file in a child process that reports to the runner through its stdout,
 * and with --test-force-exit that child calls process.exit() while the tail of its report is
 * still on its way (node 20 once its events have been read, before the report is written out;
 * node 24 once the report is handed to stdout, which may still be writing it into the pipe).
 * Those results never reach the runner: the unit suite's 720 tests came out as 610 to 719,
 * different on every run, on both. So process.exit() there first waits until nothing
 * is piped into stdout or stderr any more and both have written what they hold (at most
 * EXIT_GRACE_MS, so a process that cannot write still exits). The runner's own process gets the
 * same treatment, for the spec reporter's last lines.
 *
 * The count goes to a file written synchronously (not to the reporter's stream) for the same
 * reason: each writeFileSync is done before this reporter asks for the next event, and the
 * runner ends only after the last one was asked for, force-exit or not.
 *
 * What counts as a test: a `test()`/`it()` with no subtests of its own. A describe block is not
 * one, nor is a test whose only part is its subtests; but if such a block fails for a reason of
 * its own (its body throws, a before/after hook fails, it times out), that failure counts as one
 * failed test, so that `# fail 0` and `# cancelled 0` mean nothing failed. A test marked todo
 * counts as todo whether or not it passes, and a skipped one as skipped, as node counts them.
 *
 * Nothing here depends on which tests run: it reads only node's own event fields (nesting,
 * file, details.type, skip, todo, details.error.failureType), the same on Node 20 and 24.
 *
 * Without TANDEM_TEST_CENSUS the reporter is an ordinary one: it writes the census to its
 * destination when the run ends.
 */
import { writeFileSync } from 'node:fs';

/** How long process.exit() may wait for stdout and stderr (see above). */
const EXIT_GRACE_MS = 5_000;

/**
 * Makes process.exit() wait until stdout and stderr are no longer piped into and have written
 * everything, then exit with the code it was given (or process.exitCode, as it would have).
 */
function flushBeforeExit() {
  const streams = [process.stdout, process.stderr];
  const pipes = new Map(streams.map((s) => [s, 0]));
  for (const s of streams) {
    s.on('pipe', () => pipes.set(s, pipes.get(s) + 1));
    s.on('unpipe', () => pipes.set(s, pipes.get(s) - 1));
  }
  const exit = process.exit;
  let exiting = false;
  process.exit = function exitWhenWritten(...args) {
    if (exiting) return;
    exiting = true;
    // As called: process.exit(undefined) would clear process.exitCode, process.exit() keeps it.
    const now = () => exit.apply(process, args);
    setTimeout(now, EXIT_GRACE_MS);
    const next = () => {
      const piped = streams.find((s) => pipes.get(s) > 0);
      if (piped !== undefined) {
        piped.once('unpipe', next);
        return;
      }
      // A write's callback runs once it, and every write before it, has been handed to the OS.
      let left = streams.length;
      for (const s of streams) s.write('', () => --left === 0 && now());
    };
    next();
  };
}

// Only where node's test runner runs: a test file's process (NODE_TEST_CONTEXT is set there),
// or the runner itself when it has also loaded this module through --import.
if (process.env.NODE_TEST_CONTEXT !== undefined || process.execArgv.includes('--test')) flushBeforeExit();

/** Failure types node itself counts as cancelled rather than failed. */
const CANCELLED = new Set(['cancelledByParent', 'testTimeoutFailure', 'testAborted']);

export function censusLines(c) {
  return [
    `# tests ${c.tests}`,
    `# pass ${c.pass}`,
    `# fail ${c.fail}`,
    `# cancelled ${c.cancelled}`,
    `# skipped ${c.skipped}`,
    `# todo ${c.todo}`,
  ];
}

export default async function* census(source) {
  const out = process.env.TANDEM_TEST_CENSUS || undefined;
  const c = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  const save = () => {
    if (out !== undefined) writeFileSync(out, `${censusLines(c).join('\n')}\n`);
  };
  save();

  // Per file, per nesting level: whether a result at that level has been reported since the
  // last one a level up. test:pass/test:fail come in definition order, each block's after all
  // of its subtests', so a result with results one level deeper before it is a block's.
  const open = new Map();

  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const nesting = data.nesting ?? 0;
    const file = data.file ?? '';
    let levels = open.get(file);
    if (levels === undefined) open.set(file, (levels = []));
    const hasSubtests = levels[nesting + 1] === true;
    levels.length = nesting + 1;
    levels[nesting] = true;

    const failureType = data.details?.error?.failureType;
    if (data.details?.type === 'suite' || hasSubtests) {
      // A block: its tests are counted on their own; only a failure of its own adds one.
      const own = event.type === 'test:fail' && data.skip === undefined && data.todo === undefined &&
        failureType !== 'subtestsFailed' && failureType !== 'cancelledByParent';
      if (!own) continue;
    }
    c.tests++;
    if (data.skip !== undefined) c.skipped++;
    else if (data.todo !== undefined) c.todo++;
    else if (event.type === 'test:pass') c.pass++;
    else if (CANCELLED.has(failureType)) c.cancelled++;
    else c.fail++;
    save();
  }

  if (out === undefined) yield `${censusLines(c).join('\n')}\n`;
}
