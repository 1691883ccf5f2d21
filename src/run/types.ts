import type { FinishReason, SampleUsage } from "../backends/backend.js";
import type { ChainStatus, StepVerdict } from "../verify/index.js";

import type { Agreement, VoteRule } from "../vote/index.js";

/** The vote rules (defined in `vote/`); every result carries what each would have chosen. */
export type VoteRuleName = VoteRule;

/** One chain as the engine reports it: the text, how it ended, its checked steps and its answer. */
export interface ChainReport {
  index: number;
  text: string;
  tokens: number;
  finishReason: FinishReason;
  logprob: number;
  answer: string | null;
  /** `status === "verified"`: every step was checked and passed (and there was at least one). */
  verified: boolean;
  /** Verified, wrong, partial (nothing wrong, some step unchecked) or none (no steps). */
  status: ChainStatus;
  passed: number;
  checked: number;
  /** Steps found but not checked (see each one's `cause`). */
  unchecked: number;
  steps: StepVerdict[];
  /** Whether this chain's answer equals the gold answer (null when there is no gold). */
  correct: boolean | null;
  /** Who produced the chain: the prompt set in an ensemble of them, else the backend's source (replay: the recorded model). */
  member?: string;
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
  /** How much the chains agree: the top answer's share, distinct answers, entropy (see `agreement`). */
  agreement: Agreement;
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
  /** Tokens of all the results, resumed ones included. */
  generatedTokens: number;
  promptTokens: number;
  /** `timing.tokensPerSecond`: this invocation's decoding rate; null when nothing was decoded (replay). */
  tokensPerSecond: number | null;
  /** `timing.wallSeconds`: this invocation's wall time. */
  wallSeconds: number;
  /** The span the throughput describes, said in words (`span`), with its own token count. */
  timing: { span: string; problems: number; generatedTokens: number; wallSeconds: number; tokensPerSecond: number | null };
  /** What the run was made with (the CLI records it). */
  provenance?: SummaryProvenance;
  /** Voted accuracy (majority) against chains per problem, estimated from the chains drawn. */
  curve: Array<{ k: number; accuracy: number }>;
  /**
   * Where the chains disagree: mean agreement, and the problems whose most common answer has less than
   * half of the chains ("split"), fewest agreeing first: the problems worth a person's look.
   */
  /** In an ensemble: each member's own single-chain accuracy and majority vote over its chains alone. */
  members?: Array<{ member: string; chains: number; singleChainAccuracy: number | null; majorityAccuracy: number | null }>;
  disagreement: {
    meanShare: number | null;
    meanEntropy: number | null;
    split: Array<{ id: string; share: number; distinct: number; entropy: number; answer: string | null; correct: boolean | null }>;
  };
}

/**
 * What a run was made with, defaults resolved: recorded in the first line of a results file and in the
 * summary, and compared on `--resume` so that results made with other settings are never mixed.
 */
export interface RunSettings {
  backend: string;
  /** The model directory (absolute), for the onnx backend. */
  model?: string;
  /** The sha256 of the model's graph file, for the onnx backend. */
  graphSha256?: string;
  /** The recorded-chains file (absolute), for the replay backend. */
  recorded?: string;
  /** An ensemble backend's members, by name. */
  members?: string[];
  /** Their graphs' content hashes, in the same order (null for a member without a local model). */
  memberGraphSha256?: Array<string | null>;
  /** Ensemble members' vote weights, when given. */
  memberWeights?: Record<string, number>;
  /** The openai backend: the server and the model it serves. */
  remote?: { baseUrl: string; model: string };
  /** The prompt set's name or path; null when the backend takes no prompt (replay). */
  promptSet: string | null;
  shots: number | "all" | null;
  samples: number;
  seed: number;
  temperature: number;
  topK: number;
  topP: number;
  maxTokens: number;
  stopping: unknown;
  vote: VoteRuleName;
  calculator: boolean;
  greedyBaseline: boolean;
  /** cot-sc's version. */
  version: string;
}

/** The input file and settings of a run, as `summary.json` and the report carry them. */
export interface SummaryProvenance {
  input: { file: string; sha256: string };
  settings: RunSettings;
  /** Problems skipped as invalid (`--skip-invalid`). */
  skipped: number;
}
