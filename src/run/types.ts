import type { FinishReason, SampleUsage } from "../backends/backend.js";
import type { StepVerdict } from "../verify/index.js";

/** The vote rules; every result carries what each would have chosen. */
export type VoteRuleName = "majority" | "verified" | "logprob";

/** One chain as the engine reports it: the text, how it ended, its checked steps and its answer. */
export interface ChainReport {
  index: number;
  text: string;
  tokens: number;
  finishReason: FinishReason;
  logprob: number;
  answer: string | null;
  /** Every step found passed (and there was at least one). */
  verified: boolean;
  passed: number;
  checked: number;
  steps: StepVerdict[];
  /** Whether this chain's answer equals the gold answer (null when there is no gold). */
  correct: boolean | null;
}

/** One vote's outcome. */
export interface RuleOutcome {
  answer: string | null;
  share: number;
  correct: boolean | null;
}

/** One answer's share of the vote. */
export interface VoteEntry {
  answer: string;
  count: number;
  weight: number;
  /** Indices of the chains that voted for it. */
  chains: number[];
}

/** Everything cot-sc knows about one solved problem; one JSON line of `cot-sc run --out`. */
export interface ProblemResult {
  id: string;
  question: string;
  gold: string | null;
  /** The chosen rule's answer. */
  answer: string | null;
  correct: boolean | null;
  voteShare: number;
  /** The chosen rule's distribution, best first. */
  votes: VoteEntry[];
  rule: VoteRuleName;
  samplesUsed: number;
  /** Share of this problem's chains whose answer is right (single-chain accuracy). */
  chainAccuracy: number | null;
  byRule: Record<VoteRuleName, RuleOutcome>;
  chains: ChainReport[];
  usage: SampleUsage;
  /** Why sampling stopped: the rule fired, or the sample budget ran out. */
  stoppedBy: "rule" | "budget";
  warnings: string[];
  greedy?: { answer: string | null; correct: boolean | null; text: string };
}

/** A problem set's totals; `cot-sc run --summary` writes it. */
export interface RunSummary {
  problems: number;
  withGold: number;
  singleChainAccuracy: number | null;
  greedyAccuracy: number | null;
  votedAccuracy: Record<VoteRuleName, number | null>;
  meanSamplesUsed: number;
  generatedTokens: number;
  promptTokens: number;
  tokensPerSecond: number;
  wallSeconds: number;
  /** Voted accuracy (majority) against chains per problem, estimated from the chains drawn. */
  curve: Array<{ k: number; accuracy: number }>;
}
