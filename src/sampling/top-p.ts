import type { Candidates } from "./candidates.js";
import type { Sampler } from "./sampler.js";

/**
 * Nucleus sampling: keeps the smallest set of highest-probability candidates whose probabilities (after the
 * samplers before it) sum to at least `p`. No-op value: `p >= 1`. `p <= 0` keeps only the most likely token.
 */
export function topPSampler(p: number): Sampler {
  return {
    name: `top-p(${p})`,
    apply(candidates: Candidates): void {
      if (p >= 1) return;
      candidates.sortByLogit();
      candidates.softmax();
      let cumulative = 0;
      let keep = 0;
      while (keep < candidates.size) {
        cumulative += candidates.probabilities[keep]!;
        keep++;
        if (cumulative >= p) break;
      }
      candidates.size = Math.max(1, keep);
    },
  };
}
