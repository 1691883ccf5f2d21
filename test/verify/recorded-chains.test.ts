import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeAnswer, verifyChain } from "../../src/verify/index.js";
import { vote, type VoteInput } from "../../src/vote/index.js";

// Faithful-CoT outputs of six language models, CoT and least-to-most prompts: 12 chains per GSM8K test
// problem (see data/recorded_chains/faithful_cot_multimodel/README.md).
interface RecordedProblem {
  gold: string;
  chains: Array<{ text: string }>;
}

const problems = readFileSync("data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl", "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as RecordedProblem);

function correct(answer: string | null, gold: string): boolean {
  return answer !== null && Number(answer) === Number(normalizeAnswer(gold));
}

describe("recorded chains", () => {
  it("reaches the accuracy the chains allow with a majority vote, and more with a verified vote", () => {
    let chains = 0;
    let singleCorrect = 0;
    let majorityCorrect = 0;
    let verifiedCorrect = 0;
    for (const problem of problems) {
      const inputs: VoteInput[] = problem.chains.map(({ text }) => {
        const verdict = verifyChain(text);
        return { answer: verdict.answer, verified: verdict.verified, logprob: 0, tokens: 1 };
      });
      chains += inputs.length;
      singleCorrect += inputs.filter((input) => correct(input.answer, problem.gold)).length;
      if (correct(vote(inputs, "majority").answer, problem.gold)) majorityCorrect += 1;
      if (correct(vote(inputs, "verified").answer, problem.gold)) verifiedCorrect += 1;
    }
    expect(problems).toHaveLength(1_319);
    expect(chains).toBe(1_319 * 12);
    const single = singleCorrect / chains;
    const majority = majorityCorrect / problems.length;
    const verified = verifiedCorrect / problems.length;
    // measured: single 0.540, majority 0.857, verified 0.870
    expect(single).toBeGreaterThan(0.5);
    expect(majority).toBeGreaterThanOrEqual(0.85);
    expect(majority).toBeGreaterThan(single + 0.25);
    expect(verified).toBeGreaterThanOrEqual(majority);
  });
});
