/**
 * A small seeded random stream (xoshiro128**), one per chain.
 *
 * The state is derived from `(seed, stream)` only, so chain 5 of seed 1 draws the same numbers whether it
 * runs alone or beside 63 other chains.
 *
 * @example
 * const rng = createRng(1, 5);
 * rng.next(); // a float in [0, 1)
 */
export interface Rng {
  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number;
}

// murmur3's finaliser: spreads the seed and stream over all bits so nearby seeds give unrelated streams
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function createRng(seed: number, stream: number): Rng {
  const state = new Uint32Array(4);
  let x = mix32(seed ^ 0x9e3779b9) ^ mix32(stream + 0x632be5ab);
  for (let i = 0; i < 4; i++) {
    x = mix32(x + 0x9e3779b9 * (i + 1));
    state[i] = x;
  }
  if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1; // xoshiro's one forbidden state
  return {
    next(): number {
      const s0 = state[0]!, s1 = state[1]!, s2 = state[2]!, s3 = state[3]!;
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      state[2] = s2 ^ s0;
      state[3] = s3 ^ s1;
      state[1] = s1 ^ state[2]!;
      state[0] = s0 ^ state[3]!;
      state[2] = state[2]! ^ t;
      state[3] = rotl(state[3]!, 11);
      return result / 4294967296;
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
