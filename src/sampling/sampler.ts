import type { Candidates } from "./candidates.js";
import type { Rng } from "./rng.js";

/** One step of the sampler chain: narrows or reshapes the candidates in place. */
export interface Sampler {
  readonly name: string;
  apply(candidates: Candidates): void;
}

/** The chain's last step: picks one token id from the candidates. */
export interface Selector {
  readonly name: string;
  select(candidates: Candidates, rng: Rng): number;
}
