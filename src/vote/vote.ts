import { VOTE_RULES, voteWeight, type VoteInput, type VoteRule, type WeightOptions } from "./weights.js";

/** One answer's share of the vote. */
export interface Tally {
  readonly answer: string;
  /** How many chains voted for it. */
  readonly count: number;
  /** The sum of their weights. */
  readonly weight: number;
  /** Their indices, ascending. */
  readonly chains: number[];
}

/** The outcome of a vote. */
export interface VoteResult {
  /** The winning answer, or `null` when no chain has an answer. */
  readonly answer: string | null;
  /** The winner's weight over the total weight; 0 when there is no winner or no weight. */
  readonly share: number;
  /** Every answer, winner first, in the order of the tie-break rule. */
  readonly distribution: Tally[];
  /** Indices of the chains that voted for the winner. */
  readonly winners: number[];
}

interface MutableTally {
  answer: string;
  count: number;
  weight: number;
  chains: number[];
}

// Relative difference below which two weights are a tie: sums of floats depend on their order
// (ten votes of 0.1 add up to 0.9999999999999999), and a tie should not.
const weightTolerance = 1e-9;

/**
 * The tie-break order: (1) higher weight (weights within a relative 1e-9 tie), (2) higher count, (3) the
 * answer whose first vote came from the earliest chain (lowest index). Deterministic: two answers never
 * compare equal, since their first chains differ.
 */
function compareTallies(left: MutableTally, right: MutableTally): number {
  const scale = Math.max(Math.abs(left.weight), Math.abs(right.weight));
  if (Math.abs(left.weight - right.weight) > weightTolerance * scale) return right.weight - left.weight;
  if (left.count !== right.count) return right.count - left.count;
  return (left.chains[0] ?? 0) - (right.chains[0] ?? 0);
}

/**
 * Votes over the answers of several chains. Chains whose answer is `null` never vote (unlike harnesses
 * that let `[invalid]` win). Answers are compared as strings, so they should be normalised first
 * (`extractAnswer` does). The winner has the highest weight; ties (weights within a relative 1e-9) go to
 * the answer with more votes, then to the one whose first vote came earliest.
 *
 * @example
 * const chains = [
 *   { answer: "18", verified: true, logprob: -20, tokens: 40 },
 *   { answer: "20", verified: false, logprob: -10, tokens: 40 },
 *   { answer: "20", verified: false, logprob: -30, tokens: 40 },
 *   { answer: null, verified: false, logprob: -5, tokens: 40 },
 * ];
 * vote(chains, "majority").answer; // "20" (2 votes against 1)
 * vote(chains, "verified").answer; // "18" (weight 1 against 0.2)
 */
export function vote(chains: readonly VoteInput[], rule: VoteRule, options: WeightOptions = {}): VoteResult {
  const tallies = new Map<string, MutableTally>();
  let total = 0;
  chains.forEach((chain, index) => {
    if (chain.answer === null) return;
    const weight = voteWeight(chain, rule, options);
    total += weight;
    const tally = tallies.get(chain.answer);
    if (tally === undefined) {
      tallies.set(chain.answer, { answer: chain.answer, count: 1, weight, chains: [index] });
    } else {
      tally.count += 1;
      tally.weight += weight;
      tally.chains.push(index);
    }
  });
  const distribution = [...tallies.values()].sort(compareTallies);
  const winner = distribution[0];
  if (winner === undefined) return { answer: null, share: 0, distribution: [], winners: [] };
  return {
    answer: winner.answer,
    share: total > 0 ? winner.weight / total : 0,
    distribution,
    winners: [...winner.chains],
  };
}

/** A record with one entry per vote rule, each made by `make`. */
export function byRule<T>(make: (rule: VoteRule) => T): { [R in VoteRule]: T } {
  return Object.fromEntries(VOTE_RULES.map((rule) => [rule, make(rule)])) as { [R in VoteRule]: T };
}

/** The result of every rule over the same chains. */
export type VoteResults = { readonly [R in VoteRule]: VoteResult };

/**
 * Votes by every rule at once, for reports that compare them.
 *
 * @example
 * voteAll(chains).verified.answer;
 */
export function voteAll(chains: readonly VoteInput[], options: WeightOptions = {}): VoteResults {
  return byRule((rule) => vote(chains, rule, options));
}
