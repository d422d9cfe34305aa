import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BrokerStartError } from './errors.js';

/**
 * A lock file per cluster, so that two processes starting the same cluster at once (two test
 * files run by hand in two terminals, say) do not both format and launch it: the second waits
 * and then finds the first one's broker running. A lock whose holder died is taken over.
 *
 * The lock is taken by hard-linking a file that already holds our pid, which either succeeds or
 * fails with EEXIST atomically, so nobody ever sees a lock file without its pid in it.
 */

/** Runs `fn` holding the lock `file`, waiting up to `timeoutMs` for another holder to finish. */
export async function withLock<T>(file: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}`;
  await writeFile(mine, String(process.pid));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await link(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(file);
      if (holder !== undefined && !isAlive(holder)) {
        // Check-then-remove can race with a third process taking over the same stale lock at
        // the same moment; for a test harness that window (microseconds) is acceptable.
        if ((await readHolder(file)) === holder) await rm(file, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new BrokerStartError('lock-timeout', `another harness process (pid ${holder ?? '?'}) still holds ${file} after ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await rm(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

async function readHolder(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
