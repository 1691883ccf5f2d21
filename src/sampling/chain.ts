import { Candidates } from "./candidates.js";
import { distSelector } from "./dist.js";
import { greedySelector } from "./greedy.js";
import type { Rng } from "./rng.js";
import type { Sampler, Selector } from "./sampler.js";
import { temperatureSampler } from "./temperature.js";
import { topKSampler } from "./top-k.js";
import { topPSampler } from "./top-p.js";

/** The sampling settings; each has a documented no-op value. */
export interface SamplingSettings {
  /** `<= 0`: greedy (the other settings are then irrelevant). */
  temperature: number;
  /** `<= 0`: no top-k filter. */
  topK: number;
  /** `>= 1`: no top-p filter. */
  topP: number;
}

/**
 * The sampler chain, built here and only here, in this order: temperature, top-k, top-p, then greedy
 * (temperature <= 0) or a seeded draw. Every setting is honoured.
 *
 * @example
 * const chain = createSamplerChain({ temperature: 0.7, topK: 40, topP: 0.95 }, vocabSize);
 * const token = chain.sample(logits, row * vocabSize, createRng(seed, chainIndex));
 */
export class SamplerChain {
  readonly samplers: readonly Sampler[];
  readonly selector: Selector;
  private readonly candidates: Candidates;

  /** `candidates`: a working buffer to share with other chains (one thread uses one at a time). */
  constructor(settings: SamplingSettings, vocabSize: number, candidates?: Candidates) {
    const greedy = settings.temperature <= 0;
    this.samplers = greedy
      ? []
      : [temperatureSampler(settings.temperature), topKSampler(settings.topK), topPSampler(settings.topP)];
    this.selector = greedy ? greedySelector() : distSelector();
    this.candidates = candidates ?? new Candidates(vocabSize);
  }

  /** Picks the next token from the row of logits at `offset` (vocabulary-sized). */
  sample(logits: Float32Array, offset: number, rng: Rng): number {
    this.candidates.reset(logits, offset);
    for (const sampler of this.samplers) sampler.apply(this.candidates);
    return this.selector.select(this.candidates, rng);
  }

  /** The describing names, in order, e.g. `temperature(0.7) → top-k(40) → top-p(0.95) → dist`. */
  describe(): string {
    return [...this.samplers.map((s) => s.name), this.selector.name].join(" → ");
  }
}

export function createSamplerChain(settings: SamplingSettings, vocabSize: number, candidates?: Candidates): SamplerChain {
  return new SamplerChain(settings, vocabSize, candidates);
}

/** log p(token) under the unmodified model distribution: `logit[token] - logsumexp(logits)`, for the row at `offset`. */
export function logProbability(logits: Float32Array, offset: number, vocab: number, token: number): number {
  let max = -Infinity;
  for (let i = offset; i < offset + vocab; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = offset; i < offset + vocab; i++) sum += Math.exp(logits[i]! - max);
  return logits[offset + token]! - max - Math.log(sum);
}
