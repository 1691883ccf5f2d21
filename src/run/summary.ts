import { agreement, byRule, vote, votedAtK } from "../vote/index.js";
import { sameAnswer } from "./same-answer.js";
import type { ProblemResult, RunSummary, SummaryProvenance, VoteRuleName } from "./types.js";

/** What `summarize` is told about the run besides its results. */
export interface SummarizeOptions {
  /** Wall time of the span that decoded `timed`. */
  wallSeconds: number;
  /** The results decoded within `wallSeconds` (after a resume, not the earlier ones). Default: all. */
  timed?: readonly ProblemResult[];
  /** Whether chains were decoded (false for replay: no tokens/s). Default true. */
  decoded?: boolean;
  /** Settings and input, recorded in the summary. */
  provenance?: SummaryProvenance;
}

const CURVE_POINTS = [1, 2, 3, 5, 10, 20, 40, 80];

/** The mean, or null for no values. */
function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** A split vote: the most common answer has less than half of the chains. */
const SPLIT_SHARE = 0.5;

/** Each ensemble member alone: its chains' accuracy and the majority vote of its chains per problem. */
function membersOf(graded: readonly ProblemResult[]): Pick<RunSummary, "members"> {
  const names = [...new Set(graded.flatMap((r) => r.chains.map((c) => c.member).filter((m): m is string => m !== undefined)))];
  if (names.length === 0) return {};
  return {
    members: names.map((member) => {
      const own = graded.map((r) => ({ result: r, chains: r.chains.filter((c) => c.member === member) })).filter((x) => x.chains.length > 0);
      const majority = own.map(({ result, chains }) => (sameAnswer(vote(chains, "majority").answer, result.gold) === true ? 1 : 0));
      return {
        member,
        chains: own.reduce((sum, x) => sum + x.chains.length, 0),
        singleChainAccuracy: mean(own.flatMap((x) => x.chains.map((c) => (c.correct ? 1 : 0)))),
        majorityAccuracy: mean(majority),
      };
    }),
  };
}

function disagreementOf(results: readonly ProblemResult[]): RunSummary["disagreement"] {
  // why recomputed from the chains: results written before agreement was recorded read the same
  const measures = results.map((r) => ({ result: r, agreement: r.agreement ?? agreement(r.chains.map((c) => c.answer)) }));
  const split = measures
    .filter((m) => m.result.chains.length > 1 && m.agreement.share < SPLIT_SHARE)
    .sort((a, b) => a.agreement.share - b.agreement.share || b.agreement.entropy - a.agreement.entropy)
    .map(({ result, agreement: a }) => ({ id: result.id, share: a.share, distinct: a.distinct, entropy: a.entropy, answer: result.answer, correct: result.correct }));
  return { meanShare: mean(measures.map((m) => m.agreement.share)), meanEntropy: mean(measures.map((m) => m.agreement.entropy)), split };
}

/**
 * Totals over a problem set: single-chain accuracy (mean over all chains of the problems with a gold
 * answer), greedy accuracy (when a greedy chain was decoded), voted accuracy per rule, samples used,
 * throughput, and the majority-vote curve over k (maj@k from the chains each problem drew).
 */
export function summarize(results: readonly ProblemResult[], timing: number | SummarizeOptions): RunSummary {
  const options: SummarizeOptions = typeof timing === "number" ? { wallSeconds: timing } : timing;
  const { wallSeconds, timed = results, decoded = true } = options;
  const graded = results.filter((r) => r.gold !== null);
  const chainOutcomes = graded.flatMap((r) => r.chains.map((c) => (c.correct ? 1 : 0)));
  const greedy = graded.filter((r) => r.greedy !== undefined).map((r) => (r.greedy!.correct ? 1 : 0));
  const voted = (rule: VoteRuleName): number | null => mean(graded.map((r) => (r.byRule[rule].correct ? 1 : 0)));
  const generated = results.reduce((sum, r) => sum + r.usage.generatedTokens, 0);
  const timedTokens = timed.reduce((sum, r) => sum + r.usage.generatedTokens, 0);
  const minChains = Math.min(...graded.map((r) => r.chains.length));
  const curve = CURVE_POINTS.filter((k) => graded.length > 0 && k <= minChains).map((k) => ({
    k,
    accuracy: mean(graded.map((r) => votedAtK(r.chains, (a) => sameAnswer(a, r.gold) === true, k)))!,
  }));
  return {
    problems: results.length,
    withGold: graded.length,
    singleChainAccuracy: mean(chainOutcomes),
    greedyAccuracy: mean(greedy),
    votedAccuracy: byRule(voted),
    meanSamplesUsed: mean(results.map((r) => r.samplesUsed)) ?? 0,
    generatedTokens: generated,
    promptTokens: results.reduce((sum, r) => sum + r.usage.promptTokens, 0),
    // why null: replayed chains were not decoded here, so their "tokens/s" would mean nothing
    tokensPerSecond: decoded && wallSeconds > 0 ? timedTokens / wallSeconds : null,
    wallSeconds,
    timing: {
      span: timed.length === results.length ? "the whole run" : `this invocation only: ${timed.length} of ${results.length} problems (the others were resumed from the results file)`,
      problems: timed.length,
      generatedTokens: timedTokens,
      wallSeconds,
      tokensPerSecond: decoded && wallSeconds > 0 ? timedTokens / wallSeconds : null,
    },
    curve,
    disagreement: disagreementOf(results),
    ...membersOf(graded),
    ...(options.provenance ? { provenance: options.provenance } : {}),
  };
}
