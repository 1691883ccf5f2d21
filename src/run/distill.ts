import { sameAnswer } from "./same-answer.js";
import type { ProblemResult, RunSettings, VoteRuleName } from "./types.js";

/** Which chains become training data (Huang et al. 2022, "Large Language Models Can Self-Improve"). */
export interface DistillOptions {
  /** The vote whose answer is the pseudo-label. Default `majority`. */
  rule?: VoteRuleName;
  /** Keep a problem only if the pseudo-label has at least this share of the vote. Default 0.5. */
  minShare?: number;
  /** Keep only chains whose every step was checked and is right. Default true. */
  verifiedOnly?: boolean;
}

/** One distilled chain, in the training corpus's format (`question`, `chain`) with its provenance. */
export interface DistilledChain {
  question: string;
  /** The chain as the model wrote it, ending with its `#### answer` line. */
  chain: string;
  /** The pseudo-label: the voted answer the chain agrees with. */
  answer: string;
  provenance: {
    id: string;
    chainIndex: number;
    rule: VoteRuleName;
    voteShare: number;
    seed: number | undefined;
    model: string | undefined;
    graphSha256: string | undefined;
    version: string | undefined;
  };
}

/**
 * The chains of one solved problem worth learning from: those that give the voted answer, pass the
 * verifier (unless `verifiedOnly: false`), from a problem whose vote share reaches `minShare`. Gold
 * answers are never looked at here: they only measure the pseudo-labels' precision (`distillStats`).
 *
 * @example
 * for await (const result of engine.run(problems, { samples: 20 })) lines.push(...distill(result));
 */
export function distill(result: ProblemResult, options: DistillOptions = {}, settings?: RunSettings): DistilledChain[] {
  const rule = options.rule ?? "majority";
  const outcome = result.byRule[rule];
  if (outcome.answer === null || outcome.share < (options.minShare ?? 0.5)) return [];
  const label = outcome.answer;
  return result.chains
    .filter((chain) => sameAnswer(chain.answer, label) === true && (options.verifiedOnly === false || chain.verified))
    .map((chain) => ({
      question: result.question,
      chain: chain.text,
      answer: label,
      provenance: {
        id: result.id,
        chainIndex: chain.index,
        rule,
        voteShare: outcome.share,
        seed: settings?.seed,
        model: settings?.model,
        graphSha256: settings?.graphSha256,
        version: settings?.version,
      },
    }));
}

/** What a distillation kept, and how often its pseudo-labels were right where a gold answer says. */
export interface DistillStats {
  problems: number;
  keptProblems: number;
  keptChains: number;
  /** Kept problems with a gold answer, and the share of them whose pseudo-label is right. */
  graded: number;
  precision: number | null;
}

export function distillStats(results: readonly ProblemResult[], options: DistillOptions = {}): DistillStats {
  const rule = options.rule ?? "majority";
  let keptProblems = 0;
  let keptChains = 0;
  let graded = 0;
  let right = 0;
  for (const result of results) {
    const kept = distill(result, options).length;
    if (kept === 0) continue;
    keptProblems++;
    keptChains += kept;
    if (result.gold === null) continue;
    graded++;
    if (sameAnswer(result.byRule[rule].answer, result.gold) === true) right++;
  }
  return { problems: results.length, keptProblems, keptChains, graded, precision: graded === 0 ? null : right / graded };
}
