import { describe, expect, test } from "vitest";

import { Candidates, createRng, createSamplerChain, distSelector, greedySelector, logProbability, temperatureSampler, topKSampler, topPSampler } from "../../src/sampling/index.js";

// A hand-made four-token distribution: p = [0.1, 0.2, 0.3, 0.4]
const P = [0.1, 0.2, 0.3, 0.4];
const LOGITS = Float32Array.from(P.map(Math.log));

function probabilitiesById(c: Candidates): number[] {
  c.softmax();
  const out = [0, 0, 0, 0];
  for (let i = 0; i < c.size; i++) out[c.ids[i]!] = c.probabilities[i]!;
  return out;
}

function fresh(): Candidates {
  const c = new Candidates(4);
  c.reset(LOGITS);
  return c;
}

describe("samplers on a four-token distribution", () => {
  test("temperature 0.5 squares the probabilities: p² / Σp²", () => {
    const c = fresh();
    temperatureSampler(0.5).apply(c);
    const expected = P.map((p) => (p * p) / 0.3);
    probabilitiesById(c).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
  });

  test("temperature 1 and temperature <= 0 leave logits alone (greedy decides later)", () => {
    for (const t of [1, 0, -1]) {
      const c = fresh();
      temperatureSampler(t).apply(c);
      probabilitiesById(c).forEach((p, i) => expect(p).toBeCloseTo(P[i]!, 6));
    }
  });

  test("top-k 2 keeps the two most likely: [0, 0, 3/7, 4/7]", () => {
    const c = fresh();
    topKSampler(2).apply(c);
    expect(c.size).toBe(2);
    const got = probabilitiesById(c);
    [0, 0, 3 / 7, 4 / 7].forEach((p, i) => expect(got[i]).toBeCloseTo(p, 6));
  });

  test("top-k <= 0 or >= vocabulary is a no-op", () => {
    for (const k of [0, -3, 4, 9]) {
      const c = fresh();
      topKSampler(k).apply(c);
      expect(c.size).toBe(4);
    }
  });

  test("top-p 0.5 keeps the smallest prefix reaching 0.5: {0.4, 0.3} → [0, 0, 3/7, 4/7]", () => {
    const c = fresh();
    topPSampler(0.5).apply(c);
    const got = probabilitiesById(c);
    [0, 0, 3 / 7, 4 / 7].forEach((p, i) => expect(got[i]).toBeCloseTo(p, 6));
  });

  test("top-p 0.35 keeps only the top token; top-p 0.75 keeps three", () => {
    const one = fresh();
    topPSampler(0.35).apply(one);
    expect(one.size).toBe(1);
    expect(one.ids[0]).toBe(3);
    const three = fresh();
    topPSampler(0.75).apply(three);
    const got = probabilitiesById(three);
    [0, 2 / 9, 3 / 9, 4 / 9].forEach((p, i) => expect(got[i]).toBeCloseTo(p, 6));
  });

  test("top-p >= 1 is a no-op", () => {
    const c = fresh();
    topPSampler(1).apply(c);
    expect(c.size).toBe(4);
  });

  test("the chain applies temperature, then top-k, then top-p", () => {
    // T=0.5 → [1,4,9,16]/30; top-k 3 → [4,9,16]/29; top-p 0.8: 16/29=0.55, +9/29=0.86 → keep {16, 9} → [9/25, 16/25]
    const chain = createSamplerChain({ temperature: 0.5, topK: 3, topP: 0.8 }, 4);
    expect(chain.describe()).toBe("temperature(0.5) → top-k(3) → top-p(0.8) → dist");
    const counts = [0, 0, 0, 0];
    const rng = createRng(3, 0);
    const draws = 40_000;
    for (let i = 0; i < draws; i++) counts[chain.sample(LOGITS, 0, rng)]!++;
    expect(counts[0]).toBe(0);
    expect(counts[1]).toBe(0);
    expect(counts[2]! / draws).toBeCloseTo(9 / 25, 2);
    expect(counts[3]! / draws).toBeCloseTo(16 / 25, 2);
  });

  test("dist draws in proportion to the probabilities", () => {
    const rng = createRng(1, 2);
    const counts = [0, 0, 0, 0];
    const draws = 50_000;
    const c = new Candidates(4);
    for (let i = 0; i < draws; i++) {
      c.reset(LOGITS);
      counts[distSelector().select(c, rng)]!++;
    }
    counts.forEach((n, i) => expect(n / draws).toBeCloseTo(P[i]!, 2));
  });

  test("greedy picks the highest logit, ties to the lowest id, and temperature 0 means greedy", () => {
    const c = new Candidates(4);
    c.reset([1, 5, 5, 2]);
    expect(greedySelector().select(c, createRng(0, 0))).toBe(1);
    const chain = createSamplerChain({ temperature: 0, topK: 2, topP: 0.1 }, 4);
    expect(chain.describe()).toBe("greedy");
    expect(chain.sample(LOGITS, 0, createRng(0, 0))).toBe(3);
  });

  test("log-probability is under the unmodified distribution", () => {
    expect(logProbability(LOGITS, 0, 4, 2)).toBeCloseTo(Math.log(0.3), 6);
  });
});

describe("random streams", () => {
  test("the same (seed, stream) reproduces; other streams or seeds differ", () => {
    const a = createRng(1, 5);
    const b = createRng(1, 5);
    const c = createRng(1, 6);
    const d = createRng(2, 5);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
    expect(Array.from({ length: 8 }, () => d.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe("top-k by partial selection", () => {
  test("keeps exactly what a full sort keeps, ties by lower id, on random logits with many ties", () => {
    const rng = createRng(42, 0);
    for (let trial = 0; trial < 300; trial++) {
      const vocab = 1 + Math.floor(rng.next() * 300);
      const logits = Float32Array.from({ length: vocab }, () => Math.floor(rng.next() * 20) / 4);
      const k = 1 + Math.floor(rng.next() * vocab);
      if (k >= vocab) continue; // top-k keeps everyone: a no-op
      const partial = new Candidates(vocab);
      partial.reset(logits);
      partial.selectTop(k);
      const full = new Candidates(vocab);
      full.reset(logits);
      full.sortByLogit();
      full.size = Math.min(k, vocab);
      expect(Array.from(partial.ids.subarray(0, partial.size))).toEqual(Array.from(full.ids.subarray(0, full.size)));
      expect(partial.sorted).toBe(true);
    }
  });
});
