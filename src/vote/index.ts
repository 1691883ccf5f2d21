export { byRule, vote, voteAll } from "./vote.js";
export type { Tally, VoteResult, VoteResults } from "./vote.js";
export { voteWeight, defaultUnverifiedWeight, VOTE_RULES } from "./weights.js";
export type { VoteInput, VoteRule, WeightOptions } from "./weights.js";
export { adaptiveRule, escRule, fixedRule, leaderProbability } from "./stopping.js";
export type { AdaptiveOptions, EscOptions, StoppingRule } from "./stopping.js";
export { votedAtK, type AtKOptions } from "./maj-at-k.js";
export { agreement, type Agreement } from "./agreement.js";
