import { describe, expect, test } from "vitest";

import { votedAtK } from "../../src/vote/index.js";

const chain = (answer: string | null, verified = false, logprob = -1) => ({ answer, verified, logprob, tokens: 10 });

describe("votedAtK", () => {
  test("averages the vote over every subset of size k (hand-counted)", () => {
    // subsets of 3 from [4, 5, 4, null]: {4,5,4} → 4; {4,5,-} → tie, first vote 4; {4,4,-} → 4; {5,4,-} → tie, first vote 5
    const chains = [chain("4"), chain("5"), chain("4"), chain(null)];
    expect(votedAtK(chains, (a) => a === "4", 3)).toBeCloseTo(3 / 4, 12);
    expect(votedAtK(chains, (a) => a === "4", 1)).toBeCloseTo(2 / 4, 12); // single-chain accuracy
    expect(votedAtK(chains, (a) => a === "4", 4)).toBe(1);
  });

  test("weights by rule: the verified vote prefers verified chains", () => {
    const chains = [chain("7", false), chain("7", false), chain("9", true)];
    expect(votedAtK(chains, (a) => a === "9", 3, { rule: "majority" })).toBe(0);
    expect(votedAtK(chains, (a) => a === "9", 3, { rule: "verified" })).toBe(1);
  });

  test("large pools are sampled with a fixed seed: reproducible and close to the exact mean", () => {
    const chains = Array.from({ length: 30 }, (_, i) => chain(i % 3 === 0 ? "1" : String(i)));
    const a = votedAtK(chains, (x) => x === "1", 10, { draws: 400 });
    expect(votedAtK(chains, (x) => x === "1", 10, { draws: 400 })).toBe(a);
    expect(a).toBeGreaterThan(0.9); // "1" holds a third of the pool; every other answer appears once
  });
});
