export { createEngine, type Engine } from "./engine.js";
export type { EngineOptions, RunOptions, SolveOptions, StoppingOptions } from "./options.js";
export { summarize } from "./summary.js";
export type { ChainReport, ProblemResult, RuleOutcome, RunSummary, VoteEntry, VoteRuleName } from "./types.js";
