import type { ChainReport, ProblemResult, VoteRuleName } from "../../src/run/index.js";
import { adaptiveRule, escRule, type StoppingRule, vote } from "../../src/vote/index.js";

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

/**
 * Voted accuracy with k chains, averaged over subsets of size k of each problem's pool (all subsets
 * when few, else `draws` uniform subsets from a fixed seed: an unbiased estimate of the same mean).
 */
export function votedAtK(results: readonly ProblemResult[], rule: VoteRuleName, k: number, draws = 200): number {
  let total = 0;
  let state = 0x2545f491;
  const random = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  for (const r of results) {
    const n = r.chains.length;
    if (k >= n) {
      total += voteCorrect(r.chains, rule, r.gold);
      continue;
    }
    if (k === 1) {
      total += r.chains.reduce((s, c) => s + (right(c.answer, r.gold) ? 1 : 0), 0) / n;
      continue;
    }
    let sum = 0;
    const order = [...Array(n).keys()];
    for (let d = 0; d < draws; d++) {
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(random() * (n - i));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const subset = order.slice(0, k).sort((a, b) => a - b).map((i) => r.chains[i]!);
      sum += voteCorrect(subset, rule, r.gold);
    }
    total += sum / draws;
  }
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
