/**
 * A rule the engine asks after each new chain whether to stop sampling. It sees the answers so far, in
 * sampling order (`null` for a chain without an answer). The engine's own sample limit still applies.
 */
export interface StoppingRule {
  shouldStop(answers: readonly (string | null)[]): boolean;
}

/**
 * The probability that the leading answer's true share exceeds one half, given `leader` votes for it and
 * `runnerUp` votes for the runner-up, under a uniform prior: with p ~ Beta(a + 1, b + 1),
 * P(p > 1/2) = 1 - I_{1/2}(a + 1, b + 1) (Aggarwal et al. 2023, "Let's Sample Step by Step:
 * Adaptive-Consistency"). For integer arguments the regularised incomplete beta function is a binomial
 * sum, so with n = a + b + 1:
 *
 *     1 - I_{1/2}(a + 1, b + 1) = sum_{j=0..a} C(n, j) / 2^n
 *
 * computed exactly in BigInt and rounded once to a float.
 *
 * @example
 * leaderProbability(3, 0); // 0.9375 = 1 - 1/16
 * leaderProbability(2, 2); // 0.5
 */
export function leaderProbability(leader: number, runnerUp: number): number {
  if (!Number.isInteger(leader) || !Number.isInteger(runnerUp) || leader < 0 || runnerUp < 0) {
    throw new RangeError(`counts must be non-negative integers, got ${leader} and ${runnerUp}`);
  }
  const n = leader + runnerUp + 1;
  let term = 1n; // C(n, 0)
  let sum = 0n;
  for (let j = 0; j <= leader; j += 1) {
    sum += term;
    term = (term * BigInt(n - j)) / BigInt(j + 1);
  }
  // why: sum / 2^n without overflowing a float for large n: keep the top 64 bits of the quotient
  const shift = Math.max(0, n - 64);
  return Number(sum >> BigInt(shift)) / 2 ** (n - shift);
}

/** Counts of the two most frequent answers, `null`s left out. */
function leadingCounts(answers: readonly (string | null)[]): { leader: number; runnerUp: number } {
  const counts = new Map<string, number>();
  for (const answer of answers) if (answer !== null) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  let leader = 0;
  let runnerUp = 0;
  for (const count of counts.values()) {
    if (count > leader) {
      runnerUp = leader;
      leader = count;
    } else if (count > runnerUp) runnerUp = count;
  }
  return { leader, runnerUp };
}

/**
 * Never stops: the engine samples its fixed number of chains. With `count`, stops once `count` answers
 * (`null` included) have come in.
 *
 * @example
 * fixedRule().shouldStop(["18", "18"]); // false
 */
export function fixedRule(options: { readonly count?: number } = {}): StoppingRule {
  const count = options.count;
  return { shouldStop: (answers) => count !== undefined && answers.length >= count };
}

/** Options of {@link adaptiveRule}. */
export interface AdaptiveOptions {
  /** Stop when the leader's probability of a true majority is at least this. Default `0.95`. */
  readonly threshold?: number;
  /** Never stop before this many answers (`null` included). Default `1`. */
  readonly minSamples?: number;
}

/**
 * The Adaptive-Consistency rule (Aggarwal et al. 2023) with its Beta stopping criterion: stop when
 * {@link leaderProbability} of the two leading answers' counts reaches `threshold`. `null` answers do
 * not count. At the default 0.95, four agreeing answers and no dissent suffice (31/32); three do not
 * (15/16).
 *
 * @example
 * adaptiveRule().shouldStop(["18", "18", "18", "18"]); // true
 */
export function adaptiveRule(options: AdaptiveOptions = {}): StoppingRule {
  const threshold = options.threshold ?? 0.95;
  const minSamples = options.minSamples ?? 1;
  return {
    shouldStop(answers) {
      if (answers.length < minSamples) return false;
      const { leader, runnerUp } = leadingCounts(answers);
      if (leader === 0) return false;
      return leaderProbability(leader, runnerUp) >= threshold;
    },
  };
}

/** Options of {@link escRule}. */
export interface EscOptions {
  /** How many of the latest answers must agree. Default `5`. */
  readonly window?: number;
}

/**
 * The early-stopping self-consistency rule (ESC, Li et al. 2024): stop when the last `window` answers
 * all agree. A `null` answer counts as disagreement, so a window holding one never stops.
 *
 * @example
 * escRule({ window: 3 }).shouldStop(["7", "18", "18", "18"]); // true
 */
export function escRule(options: EscOptions = {}): StoppingRule {
  const window = options.window ?? 5;
  return {
    shouldStop(answers) {
      if (window < 1 || answers.length < window) return false;
      const first = answers[answers.length - window];
      if (first === null || first === undefined) return false;
      for (let index = answers.length - window + 1; index < answers.length; index += 1) {
        if (answers[index] !== first) return false;
      }
      return true;
    },
  };
}
