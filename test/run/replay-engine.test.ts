import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptionsError } from "../../src/errors.js";
import { readProblems } from "../../src/problems/index.js";
import { createEngine } from "../../src/engine.js";
import { type Engine, type ProblemResult, type RunOptions, summarize } from "../../src/run/index.js";

// Faithful-CoT chains of six large models (CoT and least-to-most prompts): 12 per GSM8K test problem.
const recorded = new URL("../../data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl", import.meta.url).pathname;

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: "replay", recorded });
});
afterAll(async () => {
  await engine.close();
});

async function runAll(options: RunOptions): Promise<ProblemResult[]> {
  const results: ProblemResult[] = [];
  for await (const result of engine.run(readProblems(recorded), options)) results.push(result);
  return results;
}

describe("the engine on recorded GSM8K chains (replay backend)", () => {
  let fixed: ProblemResult[];
  beforeAll(async () => {
    fixed = await runAll({ samples: 12, concurrency: 8 });
  });

  it("solves every problem once, with all 12 chains and every rule's outcome", () => {
    expect(fixed).toHaveLength(1_319);
    expect(new Set(fixed.map((r) => r.id)).size).toBe(1_319);
    for (const result of fixed) {
      expect(result.chains).toHaveLength(12);
      expect(result.samplesUsed).toBe(12);
      expect(result.stoppedBy).toBe("budget");
      expect(result.gold).not.toBeNull();
      expect(Object.keys(result.byRule).sort()).toEqual(["logprob", "majority", "verified"]);
      // the default rule is majority, so the chosen answer is the majority's
      expect(result.answer).toBe(result.byRule.majority.answer);
    }
  });

  it("matches the verify/vote module's own numbers: single 0.5405, majority 0.8567, verified 0.8696", () => {
    const summary = summarize(fixed, 1);
    expect(summary.problems).toBe(1_319);
    expect(summary.withGold).toBe(1_319);
    expect(summary.meanSamplesUsed).toBe(12);
    expect(summary.singleChainAccuracy).toBeCloseTo(0.5405, 2); // |Δ| < 0.005
    expect(Math.abs(summary.votedAccuracy.majority! - 0.8567)).toBeLessThanOrEqual(0.002);
    expect(Math.abs(summary.votedAccuracy.verified! - 0.8696)).toBeLessThanOrEqual(0.002);
    // no log-probabilities in recorded chains: the logprob vote degenerates to majority
    expect(summary.votedAccuracy.logprob).toBe(summary.votedAccuracy.majority);
    // maj@1 is single-chain accuracy; the curve ends at the 12 chains drawn
    expect(summary.curve.map((point) => point.k)).toEqual([1, 2, 3, 5, 10]);
    expect(summary.curve[0]!.accuracy).toBeCloseTo(summary.singleChainAccuracy!, 10);
  });

  it("records each chain's model as its ensemble member; the summary has each member's accuracy", () => {
    const summary = summarize(fixed, 1);
    expect(summary.members).toHaveLength(12);
    for (const member of summary.members!) expect(member.chains).toBe(1_319);
    const best = Math.max(...summary.members!.map((m) => m.singleChainAccuracy!));
    // measured: the best member (gpt4_LtM, 94.7% a chain) beats the unweighted 12-member vote (85.7%)
    expect(summary.members!.find((m) => m.singleChainAccuracy === best)!.member).toBe("gpt4_LtM");
    expect(best).toBeGreaterThan(summary.votedAccuracy.majority!);
    expect(new Set(fixed[0]!.chains.map((c) => c.member)).size).toBe(12);
  });

  it("stops early with the adaptive rule, drawing fewer chains and losing little accuracy", async () => {
    const results = await runAll({ samples: 12, concurrency: 8, stopping: { rule: "adaptive" } });
    const summary = summarize(results, 1);
    const full = summarize(fixed, 1);
    console.log(`adaptive: majority ${summary.votedAccuracy.majority?.toFixed(4)}, mean chains ${summary.meanSamplesUsed.toFixed(2)}`);
    expect(results).toHaveLength(1_319);
    expect(summary.meanSamplesUsed).toBeLessThan(12);
    expect(results.some((r) => r.stoppedBy === "rule")).toBe(true);
    // chains come in rounds of 4 (the default batch)
    for (const result of results) expect(result.samplesUsed % 4).toBe(0);
    expect(summary.votedAccuracy.majority!).toBeGreaterThanOrEqual(full.votedAccuracy.majority! - 0.02);
  });

  it("stops early with ESC, drawing fewer chains and losing little accuracy", async () => {
    const results = await runAll({ samples: 12, concurrency: 8, stopping: { rule: "esc" } });
    const summary = summarize(results, 1);
    const full = summarize(fixed, 1);
    console.log(`esc: majority ${summary.votedAccuracy.majority?.toFixed(4)}, mean chains ${summary.meanSamplesUsed.toFixed(2)}`);
    expect(results).toHaveLength(1_319);
    expect(summary.meanSamplesUsed).toBeLessThan(12);
    // ESC's window of 5: a problem stops after 5 or 10 chains, or draws all 12
    for (const result of results) expect([5, 10, 12]).toContain(result.samplesUsed);
    expect(summary.votedAccuracy.majority!).toBeGreaterThanOrEqual(full.votedAccuracy.majority! - 0.02);
  });
});

describe("engine.solve validates its options", () => {
  async function optionsError(options: Record<string, unknown>): Promise<OptionsError> {
    const error = await engine.solve("Janet's ducks lay 16 eggs per day.", { id: "0", ...options } as never).then(
      () => expect.unreachable("expected an OptionsError"),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(OptionsError);
    return error as OptionsError;
  }

  it.each([
    [{ samples: -1 }, /^samples: /],
    [{ samples: 1.5 }, /^samples: /],
    [{ vote: "nope" }, /^vote: /],
    [{ stopping: { rule: "sometimes" } }, /^stopping\.rule: /],
    [{ stopping: { rule: "adaptive", threshold: 2 } }, /^stopping\.threshold: /],
    [{ temperature: -0.5 }, /^temperature: /],
    [{ sampels: 12 }, /sampels/],
  ])("%j is an OptionsError naming the field", async (options, field) => {
    const error = await optionsError(options);
    expect(error.code).toBe("OPTIONS");
    expect(error.issues.some((issue) => field.test(issue))).toBe(true);
    expect(error.message).toMatch(/^invalid solve options: /);
  });

  it("names every bad field at once", async () => {
    const error = await optionsError({ samples: 0, vote: "nope" });
    expect(error.issues.map((issue) => issue.split(":")[0]).sort()).toEqual(["samples", "vote"]);
  });

  it("solves with valid options, the gold answer marking it right", async () => {
    const result = await engine.solve("Janet's ducks lay 16 eggs per day.", { id: "0", gold: "18", samples: 12, vote: "verified" });
    expect(result).toMatchObject({ id: "0", answer: "18", correct: true, rule: "verified", samplesUsed: 12 });
  });
});
