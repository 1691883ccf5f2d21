import { describe, expect, test } from "vitest";

import { summarize } from "../../src/run/summary.js";
import { formatSummaryTable } from "../../src/cli/summary-table.js";
import { agreement } from "../../src/vote/index.js";
import { sampleResults } from "../cli/sample-results.js";

describe("agreement", () => {
  test("share, distinct answers, entropy and unanswered chains", () => {
    expect(agreement(["18", "18", "18", "18"])).toEqual({ share: 1, distinct: 1, entropy: 0, unanswered: 0 });
    expect(agreement(["18", "18", "20", null])).toEqual({ share: 0.5, distinct: 2, entropy: 1.5, unanswered: 1 });
    expect(agreement(["1", "2", "3", "4"])).toMatchObject({ share: 0.25, distinct: 4, entropy: 2 });
    expect(agreement([null, null])).toMatchObject({ share: 0, distinct: 0, unanswered: 2 });
  });

  test("a run's summary lists the split problems, fewest agreeing first, and the table shows them", () => {
    const results = sampleResults().map((r, i) => ({ ...r, agreement: agreement(r.chains.map((_chain, j) => (i === 0 ? "18" : String(j)))) }));
    const summary = summarize(results, 1);
    expect(summary.disagreement.split.map((s) => s.id)).toEqual(results.filter((r) => r.chains.length > 1 && r.agreement.share < 0.5).map((r) => r.id));
    for (let i = 1; i < summary.disagreement.split.length; i++) expect(summary.disagreement.split[i]!.share).toBeGreaterThanOrEqual(summary.disagreement.split[i - 1]!.share);
    const table = formatSummaryTable(summary);
    expect(table).toMatch(/split votes \(top answer < half\)\s+\d+/);
    if (summary.disagreement.split.length > 0) expect(table).toContain(`Split votes, fewest agreeing first: ${summary.disagreement.split[0]!.id}`);
  });
});

describe("member weights", () => {
  test("multiply a chain's vote under every rule; a member weighted 0 does not vote", async () => {
    const { vote, voteWeight } = await import("../../src/vote/index.js");
    const chain = { answer: "18", verified: true, logprob: -2, tokens: 2 };
    expect(voteWeight({ ...chain, memberWeight: 3 }, "majority")).toBe(3);
    expect(voteWeight({ ...chain, memberWeight: 3 }, "logprob")).toBeCloseTo(3 * Math.exp(-1), 12);
    const chains = [
      { answer: "7", verified: true, logprob: 0, tokens: 1, memberWeight: 0 },
      { answer: "7", verified: true, logprob: 0, tokens: 1, memberWeight: 0 },
      { answer: "18", verified: true, logprob: 0, tokens: 1, memberWeight: 1 },
    ];
    expect(vote(chains, "majority").answer).toBe("18");
    expect(vote(chains.map(({ memberWeight: _, ...c }) => c), "majority").answer).toBe("7");
  });
});
