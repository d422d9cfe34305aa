import { spawn } from 'node:child_process';

/** What a finished (or killed) command left behind. */
export interface CommandResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** True when the harness killed it at `timeoutMs`. */
  timedOut: boolean;
  /** Wall time from spawn to exit. */
  elapsedMs: number;
}

/** Options of {@link runCommand}. */
export interface CommandOptions {
  /** Kill the command (SIGKILL) after this long. Every command gets a bound: nothing may hang. */
  timeoutMs: number;
  /** Bytes written to stdin, which is then closed. Without it stdin is empty. */
  input?: Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs a command to completion and collects its output as bytes (never decoded: readers need
 * the exact bytes). Rejects only when the command cannot be started at all (ENOENT and the
 * like, with the spawn error's `code`); a non-zero exit or a timeout is reported in the result
 * for the caller to word.
 */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // A command that exits without reading its stdin makes our write fail with EPIPE: harmless.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? null);

    child.on('error', (error) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        timedOut,
        elapsedMs: performance.now() - started,
      });
    });
  });
}

/** True for the error `spawn` gives when the program is not installed. */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
