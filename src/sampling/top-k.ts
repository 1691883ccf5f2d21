import type { Candidates } from "./candidates.js";
import type { Sampler } from "./sampler.js";

/** Keeps the `k` highest-logit candidates (ties: lower id first). No-op value: `k <= 0` or `k >= vocab`. */
export function topKSampler(k: number): Sampler {
  return {
    name: `top-k(${k})`,
    apply(candidates: Candidates): void {
      if (k <= 0 || k >= candidates.size) return;
      candidates.selectTop(k);
    },
  };
}
