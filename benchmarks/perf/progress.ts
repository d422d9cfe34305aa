/**
 * The progress bar of a run, on stderr: shown when stderr is a terminal, or when asked for
 * (`--progress`), never mixed into stdout, which carries the results.
 *
 *   java       [##########------------]  45%    450,000/1,000,000   312,455 rec/s
 */
const WIDTH = 24;

export class ProgressBar {
  private readonly tty: boolean;
  private lastDraw = 0;
  private lastAcked = 0;
  private lastAt = 0;
  private rate = 0;
  private drawn = false;

  /**
   * @param label - what runs (a client, or "scenario: client")
   * @param total - records the run sends
   * @param enabled - draw at all (see {@link progressWanted})
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {
    this.tty = process.stderr.isTTY === true;
  }

  /** The producer is open: the rate is measured from here. */
  start(): void {
    this.lastAt = performance.now();
    this.lastAcked = 0;
    this.update(0);
  }

  /** Records acknowledged so far. */
  update(acked: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (this.lastAt > 0 && now - this.lastAt >= 250) {
      const instant = ((acked - this.lastAcked) * 1000) / (now - this.lastAt);
      this.rate = this.rate === 0 ? instant : 0.5 * this.rate + 0.5 * instant;
      this.lastAcked = acked;
      this.lastAt = now;
    }
    // A terminal redraws in place a few times a second; a log gets a line a second.
    if (now - this.lastDraw < (this.tty ? 100 : 1000) && acked < this.total) return;
    this.lastDraw = now;
    const fraction = Math.min(1, acked / this.total);
    const filled = Math.round(fraction * WIDTH);
    const line =
      `${this.label.padEnd(22)} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ` +
      `${acked.toLocaleString('en-US').padStart(12)}/${this.total.toLocaleString('en-US')}  ${Math.round(this.rate).toLocaleString('en-US').padStart(10)} rec/s`;
    process.stderr.write(this.tty ? `\r${line}\u001b[K` : `${line}\n`);
    this.drawn = true;
  }

  /** Clears the bar (a terminal) before the results are printed. */
  finish(): void {
    if (this.enabled && this.tty && this.drawn) process.stderr.write('\r\u001b[K');
  }
}

/** Whether to draw progress: stderr is a terminal, or `--progress` was given. */
export function progressWanted(forced: boolean): boolean {
  return forced || process.stderr.isTTY === true;
}
