/**
 * The random numbers the unkeyed partitioners draw when they pick a partition.
 *
 * Java draws `Utils.toPositive(ThreadLocalRandom.current().nextInt())`. Here a xorshift32
 * generator seeded once from the platform's CSPRNG: a partition choice needs no cryptographic
 * quality, only speed and a uniform spread, and `Math.random()` would cost a float conversion
 * and a multiply per draw. Called only when a partitioner switches partition, not per record.
 */
import { randomFillSync } from 'node:crypto';

/** A source of non-negative 31-bit integers; tests pass a deterministic one. */
export type RandomInt31 = () => number;

const seedWords = new Int32Array(1);
randomFillSync(seedWords);
let state = seedWords[0] | 0 || 0x2545f491;

/**
 * The shared generator: a uniformly distributed integer in [0, 2^31), like Java's
 * `toPositive(nextInt())`.
 */
export const randomInt31: RandomInt31 = () => {
  // Marsaglia's xorshift32 (13, 17, 5): full period 2^32 - 1 over non-zero states.
  let x = state;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state = x;
  // The high 31 bits: xorshift's low bits are its weakest, and callers reduce with `%`.
  return x >>> 1;
};
