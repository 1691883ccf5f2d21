import type { Candidates } from "./candidates.js";
import type { Sampler } from "./sampler.js";

/**
 * Divides logits by the temperature. No-op value: `temperature <= 0` (the chain then ends in greedy) or `1`.
 */
export function temperatureSampler(temperature: number): Sampler {
  const inverse = temperature > 0 ? 1 / temperature : 1;
  return {
    name: `temperature(${temperature})`,
    apply(candidates: Candidates): void {
      if (inverse === 1) return;
      for (let i = 0; i < candidates.size; i++) candidates.logits[i] = candidates.logits[i]! * inverse;
    },
  };
}
