/**
 * maj@k: the accuracy a plurality vote over k chains would have, estimated from one pool of n >= k chains
 * by averaging over subsets of size k (not one random subset). When C(n, k) is small every subset is
 * enumerated (exact); otherwise `draws` subsets are drawn uniformly with a fixed seed — an unbiased
 * estimate of the same average. Null answers never vote; a subset with no answer counts as wrong.
 * Ties go to the answer whose first vote has the lowest chain index (the vote module's rule).
 *
 * @example
 * majorityAtK(["4", "5", "4", null], (a) => a === "4", 3); // mean over the 4 subsets of size 3
 */
export function majorityAtK(
  answers: readonly (string | null)[],
  isCorrect: (answer: string) => boolean,
  k: number,
  draws = 512,
  seed = 12345,
): number {
  const n = answers.length;
  if (k <= 0 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  const subset = new Int32Array(k);
  let total = 0;
  let count = 0;
  if (binomial(n, k) <= draws) {
    for (let i = 0; i < k; i++) subset[i] = i;
    for (;;) {
      total += winnerCorrect(answers, subset, isCorrect);
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
    total += winnerCorrect(answers, subset, isCorrect);
  }
  return total / draws;
}

function winnerCorrect(answers: readonly (string | null)[], subset: Int32Array, isCorrect: (answer: string) => boolean): number {
  const counts = new Map<string, number>(); // insertion order = order of first vote
  for (const index of subset) {
    const answer = answers[index];
    if (answer === null || answer === undefined) continue;
    counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestCount = 0;
  for (const [answer, count] of counts) {
    if (count > bestCount) {
      best = answer;
      bestCount = count;
    }
  }
  return best !== null && isCorrect(best) ? 1 : 0;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) {
    result = (result * (n - k + i)) / i;
    if (result > 1e12) return Infinity;
  }
  return Math.round(result);
}
