import type { Candidates } from "./candidates.js";
import type { Selector } from "./sampler.js";

/** Picks the highest logit (ties: the lowest id). Uses no randomness. */
export function greedySelector(): Selector {
  return {
    name: "greedy",
    select(candidates: Candidates): number {
      let best = 0;
      for (let i = 1; i < candidates.size; i++) {
        const better = candidates.logits[i]! > candidates.logits[best]!;
        const tie = candidates.logits[i] === candidates.logits[best] && candidates.ids[i]! < candidates.ids[best]!;
        if (better || tie) best = i;
      }
      return candidates.ids[best]!;
    },
  };
}
