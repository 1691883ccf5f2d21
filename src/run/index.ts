export { engineOn, type Engine, type EngineOnOptions } from "./engine.js";
export type { EngineOptions, RunOptions, SolveOptions, StoppingOptions } from "./options.js";
export { engineOptionsSchema, parseOptions } from "./options.js";
export { summarize, type SummarizeOptions } from "./summary.js";
export { distill, distillStats, type DistilledChain, type DistillOptions, type DistillStats } from "./distill.js";
export type { ChainReport, ProblemResult, RuleOutcome, RunSettings, RunSummary, SummaryProvenance, VoteEntry, VoteRuleName } from "./types.js";
export { VERSION } from "./version.js";
export { VOTE_RULES } from "../vote/index.js";
export { checkRunOptions } from "./options.js";
