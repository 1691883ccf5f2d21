import type { ChainReport, ProblemResult, VoteRuleName } from "../../src/run/index.js";
import { adaptiveRule, escRule, type StoppingRule, vote, votedAtK as libraryVotedAtK } from "../../src/vote/index.js";

/** Same-answer test used by the engine (numeric when both are numbers). */
function right(answer: string | null, gold: string | null): boolean {
  if (answer === null || gold === null) return false;
  const a = Number(answer);
  const g = Number(gold);
  return Number.isFinite(a) && Number.isFinite(g) ? Math.abs(a - g) <= 1e-9 * Math.max(1, Math.abs(g)) : answer === gold;
}

function voteCorrect(chains: readonly ChainReport[], rule: VoteRuleName, gold: string | null): number {
  const result = vote(chains.map((c) => ({ answer: c.answer, verified: c.verified, logprob: c.logprob, tokens: c.tokens })), rule);
  return right(result.answer, gold) ? 1 : 0;
}

/** Voted accuracy with k chains per problem, by rule: the library's subset-averaged estimator. */
export function votedAtK(results: readonly ProblemResult[], rule: VoteRuleName, k: number): number {
  let total = 0;
  for (const r of results) total += libraryVotedAtK(r.chains, (answer) => right(answer, r.gold), Math.min(k, r.chains.length), { rule, draws: 200 });
  return total / results.length;
}

/**
 * Replays a stopping rule over each problem's chains in index order, asking it after every round of
 * `round` chains (as the engine does), and votes by majority over the chains drawn until it fired.
 */
export function simulateStopping(results: readonly ProblemResult[], make: () => StoppingRule, round: number): { accuracy: number; meanChains: number } {
  let correct = 0;
  let chains = 0;
  for (const r of results) {
    const rule = make();
    let used = r.chains.length;
    for (let n = round; n <= r.chains.length; n += round) {
      if (rule.shouldStop(r.chains.slice(0, n).map((c) => c.answer))) {
        used = n;
        break;
      }
    }
    chains += used;
    correct += voteCorrect(r.chains.slice(0, used), "majority", r.gold);
  }
  return { accuracy: correct / results.length, meanChains: chains / results.length };
}

export const adaptive = (): StoppingRule => adaptiveRule({ threshold: 0.95 });
export const esc = (): StoppingRule => escRule({ window: 5 });

export function singleChain(results: readonly ProblemResult[]): number {
  const all = results.flatMap((r) => r.chains.map((c) => (right(c.answer, r.gold) ? 1 : 0)));
  return all.reduce((a: number, b) => a + b, 0) / Math.max(1, all.length);
}

export function greedyAccuracy(results: readonly ProblemResult[]): number | null {
  const graded = results.filter((r) => r.greedy !== undefined);
  if (graded.length === 0) return null;
  return graded.filter((r) => r.greedy!.correct).length / graded.length;
}

export function anyRight(results: readonly ProblemResult[]): number {
  return results.filter((r) => r.chains.some((c) => right(c.answer, r.gold))).length / results.length;
}
