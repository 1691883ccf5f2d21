import type { Candidates } from "./candidates.js";
import type { Rng } from "./rng.js";
import type { Selector } from "./sampler.js";

/** Draws one candidate in proportion to the softmax of the surviving logits, from the row's own stream. */
export function distSelector(): Selector {
  return {
    name: "dist",
    select(candidates: Candidates, rng: Rng): number {
      candidates.softmax();
      const u = rng.next();
      let cumulative = 0;
      for (let i = 0; i < candidates.size; i++) {
        cumulative += candidates.probabilities[i]!;
        if (u < cumulative) return candidates.ids[i]!;
      }
      return candidates.ids[candidates.size - 1]!; // u landed in float rounding past the last bucket
    },
  };
}
