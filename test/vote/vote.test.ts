import { describe, expect, it } from "vitest";
import { vote, voteAll, voteWeight, type VoteInput } from "../../src/vote/index.js";

function chain(answer: string | null, overrides: Partial<VoteInput> = {}): VoteInput {
  return { answer, verified: false, logprob: 0, tokens: 1, ...overrides };
}

describe("vote", () => {
  it("counts a majority, with share, distribution and winners", () => {
    const result = vote([chain("18"), chain("20"), chain("18"), chain(null), chain("18")], "majority");
    expect(result).toEqual({
      answer: "18",
      share: 0.75,
      distribution: [
        { answer: "18", count: 3, weight: 3, chains: [0, 2, 4] },
        { answer: "20", count: 1, weight: 1, chains: [1] },
      ],
      winners: [0, 2, 4],
    });
  });

  it("never lets null win, and has no answer without votes", () => {
    expect(vote([chain(null), chain(null), chain("3")], "majority").answer).toBe("3");
    expect(vote([chain(null), chain(null)], "majority")).toEqual({ answer: null, share: 0, distribution: [], winners: [] });
    expect(vote([], "logprob")).toEqual({ answer: null, share: 0, distribution: [], winners: [] });
  });

  it("breaks ties by weight, then count, then the earliest first vote", () => {
    // equal counts: the answer voted first wins
    expect(vote([chain("7"), chain("5"), chain("5"), chain("7")], "majority").answer).toBe("7");
    expect(vote([chain("5"), chain("7"), chain("7"), chain("5")], "majority").answer).toBe("5");
    // equal weights (1 verified vote against ten unverified, summed in floats): more votes win
    const ten = Array.from({ length: 10 }, () => chain("b"));
    expect(vote([chain("a", { verified: true }), ...ten], "verified").answer).toBe("b");
    expect(vote([chain("a", { verified: true }), ...ten.slice(1)], "verified").answer).toBe("a");
    // equal weights and counts: the earliest first vote wins
    expect(vote([chain("x", { logprob: -1 }), chain("y", { logprob: -1 })], "logprob").answer).toBe("x");
    const order = vote([chain("c"), chain("b"), chain("a"), chain("b")], "majority").distribution.map((tally) => tally.answer);
    expect(order).toEqual(["b", "c", "a"]);
  });

  it("weights verified chains 1 and the others 0.1, falling back to majority", () => {
    const chains = [chain("18", { verified: true }), chain("20"), chain("20"), chain("20")];
    expect(vote(chains, "majority").answer).toBe("20");
    const verified = vote(chains, "verified");
    expect(verified.answer).toBe("18");
    expect(verified.share).toBeCloseTo(1 / 1.3, 12);
    expect(vote([chain("1"), chain("2"), chain("2")], "verified").answer).toBe("2");
    expect(vote(chains, "verified", { unverifiedWeight: 0.5 }).answer).toBe("20");
  });

  it("weights by length-normalised probability", () => {
    expect(voteWeight(chain("1", { logprob: -4, tokens: 2 }), "logprob")).toBeCloseTo(Math.exp(-2), 15);
    expect(voteWeight(chain("1", { logprob: -4, tokens: 0 }), "logprob")).toBeCloseTo(Math.exp(-4), 15);
    expect(voteWeight(chain("1", { logprob: Number.NaN }), "logprob")).toBe(0);
    // one confident chain against two unlikely ones
    const chains = [chain("18", { logprob: -10, tokens: 100 }), chain("20", { logprob: -200, tokens: 100 }), chain("20", { logprob: -200, tokens: 100 })];
    const result = vote(chains, "logprob");
    expect(result.answer).toBe("18");
    const total = Math.exp(-0.1) + 2 * Math.exp(-2);
    expect(result.share).toBeCloseTo(Math.exp(-0.1) / total, 12);
  });

  it("votes by every rule at once", () => {
    const chains = [chain("18", { verified: true, logprob: -50, tokens: 10 }), chain("20", { logprob: -1, tokens: 10 }), chain("20", { logprob: -100, tokens: 10 })];
    const results = voteAll(chains);
    expect(results.majority.answer).toBe("20");
    expect(results.verified.answer).toBe("18");
    expect(results.logprob.answer).toBe("20");
  });
});
