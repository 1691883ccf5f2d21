import { vote } from "./vote.js";
import type { VoteInput, VoteRule } from "./weights.js";

/** Options of {@link votedAtK}. */
export interface AtKOptions {
  /** The vote rule. Default "majority". */
  readonly rule?: VoteRule;
  /** Subsets drawn when there are more than this many. Default 512. */
  readonly draws?: number;
  /** Seed of the subset draws (reproducible estimates). Default 12345. */
  readonly seed?: number;
}

/**
 * Voted accuracy with k chains (maj@k, or the verified / log-prob vote at k), estimated from one pool of
 * n >= k chains by averaging over subsets of size k — not one random subset. When C(n, k) is at most
 * `draws`, every subset is enumerated (exact); otherwise `draws` subsets are drawn uniformly from a
 * fixed seed, an unbiased estimate of the same average. Each subset is voted by {@link vote} (nulls never
 * vote, the documented tie-break), chains kept in index order.
 *
 * @example
 * votedAtK(chains, (answer) => answer === "4", 3); // mean over the subsets of size 3
 */
export function votedAtK(
  chains: readonly VoteInput[],
  isCorrect: (answer: string) => boolean,
  k: number,
  options: AtKOptions = {},
): number {
  const { rule = "majority", draws = 512, seed = 12345 } = options;
  const n = chains.length;
  if (k <= 0 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  const score = (subset: Int32Array): number => {
    const result = vote(Array.from(subset, (i) => chains[i]!), rule);
    return result.answer !== null && isCorrect(result.answer) ? 1 : 0;
  };
  const subset = new Int32Array(k);
  if (binomial(n, k) <= draws) {
    let total = 0;
    let count = 0;
    for (let i = 0; i < k; i++) subset[i] = i;
    for (;;) {
      total += score(subset);
      count++;
      // next combination in lexicographic order
      let i = k - 1;
      while (i >= 0 && subset[i] === n - k + i) i--;
      if (i < 0) break;
      subset[i] = subset[i]! + 1;
      for (let j = i + 1; j < k; j++) subset[j] = subset[j - 1]! + 1;
    }
    return total / count;
  }
  let state = seed >>> 0 || 1;
  const random = (): number => {
    // xorshift32: enough for choosing subsets, and reproducible
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const pool = new Int32Array(n);
  let total = 0;
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (n - i));
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    subset.set(pool.subarray(0, k));
    subset.sort();
    total += score(subset);
  }
  return total / draws;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) {
    result = (result * (n - k + i)) / i;
    if (result > 1e12) return Infinity;
  }
  return Math.round(result);
}
