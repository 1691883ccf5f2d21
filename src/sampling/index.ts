export { Candidates } from "./candidates.js";
export { createSamplerChain, logProbability, SamplerChain, type SamplingSettings } from "./chain.js";
export { distSelector } from "./dist.js";
export { greedySelector } from "./greedy.js";
export { createRng, type Rng } from "./rng.js";
export type { Sampler, Selector } from "./sampler.js";
export { temperatureSampler } from "./temperature.js";
export { topKSampler } from "./top-k.js";
export { topPSampler } from "./top-p.js";
