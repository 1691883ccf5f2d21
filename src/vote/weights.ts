/** One chain as the vote sees it. */
export interface VoteInput {
  /** The normalised final answer; `null` never votes. */
  readonly answer: string | null;
  /** Whether every arithmetic step of the chain checked out. */
  readonly verified: boolean;
  /** The sum of the log-probabilities of the chain's tokens. */
  readonly logprob: number;
  /** How many tokens the chain has. */
  readonly tokens: number;
  /** A factor on the rule's weight: an ensemble member's weight. Default 1. */
  readonly memberWeight?: number;
}

/** The vote rules, defined here once; every list and record of rules elsewhere is derived from it. */
export const VOTE_RULES = ["majority", "verified", "logprob"] as const;

/** How votes are weighted. */
export type VoteRule = (typeof VOTE_RULES)[number];

/** Options of the weighted rules. */
export interface WeightOptions {
  /** Weight of a chain that is not verified, under the `verified` rule. Default `0.1`. */
  readonly unverifiedWeight?: number;
}

/**
 * The default weight of an unverified chain under the `verified` rule: small, so any verified chain
 * outweighs several unverified ones, yet not zero, so that when no chain is verified the rule falls
 * back to a plain majority instead of having no answer.
 */
export const defaultUnverifiedWeight = 0.1;

/**
 * The weight of one chain's vote, times its ensemble member's weight (`memberWeight`, default 1):
 *
 * - `majority`: 1;
 * - `verified`: 1 when every step checked out, else `unverifiedWeight` (0.1);
 * - `logprob`: `exp(logprob / max(tokens, 1))`, the chain's length-normalised probability, the weighting
 *   that works best in the self-consistency paper (Wang et al. 2022, table 1); a log-probability that is
 *   not a number weighs 0.
 *
 * @example
 * voteWeight({ answer: "18", verified: false, logprob: -4, tokens: 2 }, "logprob"); // Math.exp(-2)
 */
export function voteWeight(chain: VoteInput, rule: VoteRule, options: WeightOptions = {}): number {
  return ruleWeight(chain, rule, options) * (chain.memberWeight ?? 1);
}

function ruleWeight(chain: VoteInput, rule: VoteRule, options: WeightOptions): number {
  switch (rule) {
    case "majority":
      return 1;
    case "verified":
      return chain.verified ? 1 : (options.unverifiedWeight ?? defaultUnverifiedWeight);
    case "logprob": {
      const weight = Math.exp(chain.logprob / Math.max(chain.tokens, 1));
      // why: a NaN weight would poison every comparison of the tally
      return Number.isNaN(weight) ? 0 : weight;
    }
  }
}
