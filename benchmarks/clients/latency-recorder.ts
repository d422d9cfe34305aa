/**
 * Send-to-acknowledgement latencies, recorded on the application thread at the cost of a typed
 * array store per record.
 *
 * Why not record straight into an HdrHistogram: hdr-histogram-js's `recordValue` costs about
 * 200 ns a call on this machine (measured), more than Tandem's whole budget for a send(); the
 * recorder would be what the benchmark measured. So, as Kafka's ProducerPerformance does, the
 * recorder keeps the exact count, sum and maximum, and a bounded sample of the latencies (every
 * k-th record, at most 500,000 samples: 2 MB, so the recorder barely shows in the client's peak
 * RSS). The percentiles are computed after the clock has stopped, by an HdrHistogram
 * (hdr-histogram-js, three significant digits) built from the samples.
 */
import { build } from 'hdr-histogram-js';
import type { LatencySummary } from '../perf/workload.js';

const MAX_SAMPLES = 500_000;

export class LatencyRecorder {
  private readonly samples: Int32Array;
  private readonly every: number;
  private sampled = 0;
  private untilSample: number;
  /** Records recorded. */
  count = 0;
  private sumUs = 0;
  private maxUs = 0;

  /** @param expected - how many records will be recorded (sizes the sample). */
  constructor(expected: number) {
    this.every = Math.max(1, Math.ceil(expected / MAX_SAMPLES));
    this.samples = new Int32Array(Math.ceil(expected / this.every) + 1);
    this.untilSample = 1;
  }

  /** Records one latency in microseconds. */
  record(us: number): void {
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
    if (--this.untilSample === 0) {
      this.untilSample = this.every;
      if (this.sampled < this.samples.length) this.samples[this.sampled++] = us;
    }
  }

  /** The summary in milliseconds. Call after the run: it builds a histogram. */
  summary(): LatencySummary {
    if (this.count === 0) return { avg: 0, p50: 0, p99: 0, p999: 0, max: 0 };
    const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (let i = 0; i < this.sampled; i++) histogram.recordValue(Math.max(1, this.samples[i]!));
    const ms = (us: number): number => us / 1000;
    return {
      avg: ms(this.sumUs / this.count),
      p50: ms(histogram.getValueAtPercentile(50)),
      p99: ms(histogram.getValueAtPercentile(99)),
      p999: ms(histogram.getValueAtPercentile(99.9)),
      max: ms(this.maxUs),
    };
  }
}
