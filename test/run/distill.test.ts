import { describe, expect, test } from "vitest";

import { distill, distillStats } from "../../src/run/distill.js";
import type { ChainReport, ProblemResult } from "../../src/run/types.js";
import { sampleResults } from "../cli/sample-results.js";

const chain = (index: number, answer: string | null, verified: boolean): ChainReport =>
  ({ index, text: `chain ${index}\n#### ${answer}`, tokens: 5, finishReason: "eos", logprob: -1, answer, verified, status: verified ? "verified" : "wrong", passed: 1, checked: 1, unchecked: 0, steps: [], correct: null });

function problem(answers: Array<[string | null, boolean]>, gold: string | null): ProblemResult {
  const base = sampleResults()[0]!;
  const chains = answers.map(([answer, verified], i) => chain(i, answer, verified));
  const counts = new Map<string, number>();
  for (const c of chains) if (c.answer !== null) counts.set(c.answer, (counts.get(c.answer) ?? 0) + 1);
  const [top, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  const outcome = { answer: top, share: count / chains.length, correct: gold === null ? null : top === gold };
  return { ...base, id: `p${answers.length}`, gold, answer: top, chains, byRule: { majority: outcome, verified: outcome, logprob: outcome } };
}

describe("distill", () => {
  test("keeps the verified chains that give a clear vote's answer; gold never selects", () => {
    const clear = problem([["18", true], ["18", true], ["18", false], ["20", true]], "20");
    const kept = distill(clear);
    expect(kept.map((k) => k.provenance.chainIndex)).toEqual([0, 1]); // not the unverified 18, not the 20 (which is gold)
    expect(kept[0]).toMatchObject({ answer: "18", chain: "chain 0\n#### 18", question: clear.question, provenance: { rule: "majority", voteShare: 0.75 } });
    // the same chains whatever the gold answer says
    expect(distill({ ...clear, gold: "18" })).toEqual(kept);
    expect(distill({ ...clear, gold: null })).toEqual(kept);
    // a split vote keeps nothing
    expect(distill(problem([["1", true], ["2", true], ["3", true], ["4", true]], null))).toEqual([]);
    expect(distill(clear, { minShare: 0.8 })).toEqual([]);
    expect(distill(clear, { verifiedOnly: false }).map((k) => k.provenance.chainIndex)).toEqual([0, 1, 2]);
  });

  test("reports the pseudo-labels' precision on the problems with gold", () => {
    const right = problem([["18", true], ["18", true]], "18");
    const wrong = problem([["7", true], ["7", true], ["7", true]], "8");
    const unlabelled = problem([["5", true]], null);
    expect(distillStats([right, wrong, unlabelled])).toEqual({ problems: 3, keptProblems: 3, keptChains: 6, graded: 2, precision: 0.5 });
  });
});
