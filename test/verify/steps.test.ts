import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findCalculations, verifyChain } from "../../src/verify/index.js";

function pairs(text: string): Array<[string, string]> {
  return findCalculations(text).map((step) => [step.expression, step.claimed]);
}

describe("findCalculations", () => {
  it("takes annotations as the steps of their line, without counting the visible text again", () => {
    const text = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 18";
    expect(findCalculations(text)).toEqual([
      { source: "annotation", expression: "16-3-4", claimed: "9" },
      { source: "annotation", expression: "9*2", claimed: "18" },
    ]);
  });

  it("finds inline equations as people and models write them", () => {
    expect(pairs("30/3=10")).toEqual([["30/3", "10"]]);
    expect(pairs("He has 30 - 4 = 26 left.")).toEqual([["30 - 4", "26"]]);
    expect(pairs("(26-2)/2=12")).toEqual([["(26-2)/2", "12"]]);
    expect(pairs("she makes $2 * 9 = $18.")).toEqual([["2 * 9", "18"]]);
    expect(pairs("1,200 + 300 = 1,500 people")).toEqual([["1200 + 300", "1500"]]);
    expect(pairs("50% of 80 = 40")).toEqual([["50%*80", "40"]]);
    expect(pairs("3/4 of 20 = 15")).toEqual([["3/4*20", "15"]]);
    expect(pairs("2.5 * 1.2 = 3.00")).toEqual([["2.5 * 1.2", "3.00"]]);
    expect(pairs("3 × 4 = 12 and 12 ÷ 4 = 3")).toEqual([["3 * 4", "12"], ["12 / 4", "3"]]);
    expect(pairs("2 x 3 = 6 and 4x5=20")).toEqual([["2*3", "6"], ["4*5", "20"]]);
    expect(pairs("３０／３＝１０个")).toEqual([["30/3", "10"]]);
    expect(pairs("每人分到30/3=10个苹果")).toEqual([["30/3", "10"]]);
    expect(pairs("16 - 3 - 4 = 9")).toEqual([["16 - 3 - 4", "9"]]);
    expect(pairs("8 x 1 1/2 = 12 rolls")).toEqual([["8*(1+1/2)", "12"]]);
    expect(pairs("\\frac{3}{4} \\times 20 = 15")).toEqual([["((3)/(4)) * 20", "15"]]);
    expect(pairs("(30/120)*100 = 25%")).toEqual([["(30/120)*100", "25%"]]);
  });

  it("reads chains of equal signs sensibly", () => {
    expect(pairs("$5 * 8 + $3 * 8 = $40 + $24 = $64")).toEqual([
      ["5 * 8 + 3 * 8", "40 + 24"],
      ["40 + 24", "64"],
    ]);
    // a running computation: the claim of the first step is the leading number
    expect(pairs("3 + 4 = 7 + 2 = 9")).toEqual([["3 + 4", "7"], ["7 + 2", "9"]]);
    // `6 = 6` has no operator and is no step
    expect(pairs("2*3 = 6 = 6")).toEqual([["2*3", "6"]]);
    // a sentence ending inside the run
    expect(pairs("1. 3 + 4 = 7. 7 * 2 = 14.")).toEqual([["3 + 4", "7"], ["7 * 2", "14"]]);
  });

  it("skips equations that lost an operand to the prose instead of checking them wrongly", () => {
    expect(pairs("16 eggs - 3 = 13")).toEqual([]);
    expect(pairs("x - 4 = 6")).toEqual([]);
    expect(pairs("5 apples * 3 = 15")).toEqual([]);
    expect(pairs("at 3:30 + 2 = 5:30")).toEqual([]);
    expect(pairs("so 100/5 = 5A/5")).toEqual([]);
    expect(pairs("3*30 = 30 + M trees")).toEqual([]);
    expect(pairs("$2.50 - $2.24 = 26 cents")).toEqual([]);
    expect(pairs("no arithmetic = here, 7 = 7")).toEqual([]);
  });

  it("stays bounded on hostile chains", () => {
    const hostile = [
      "1+".repeat(500_000) + "=3",
      "1+1=2 ".repeat(100_000),
      "+-".repeat(100_000) + "5 = 3",
      "(".repeat(300_000) + "1=1",
      "1" + " ".repeat(300_000) + "x 2 = 2",
      "<<".repeat(100_000) + "1=1>>",
      `${"9".repeat(100_000)} + 1 = 5`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      const verdict = verifyChain(text);
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(1_000);
      // 200 steps, and one more standing for what lies past a limit
      expect(verdict.steps.length).toBeLessThanOrEqual(201);
    }
    const long = verifyChain("1+1=2 ".repeat(100_000));
    expect(long.steps).toHaveLength(201);
    expect(long).toMatchObject({ status: "partial", verified: false });
    expect(long.steps[200]).toMatchObject({ kind: "unparsable", cause: "limit" });
    expect(verifyChain("9^9^9^9 = 5").steps).toEqual([
      { kind: "unparsable", source: "inline", expression: "9^9^9^9", claimed: "5", cause: "limit", reason: "too large" },
    ]);
  });
});

describe("verifyChain, property-based", () => {
  it("never throws on random chains and answers each within a bound", () => {
    const pieces = fc.constantFrom(
      ..."0123456789.+-*/^%()=, x$<>#\n".split(""),
      "<<",
      ">>",
      " = ",
      "The answer is ",
      "####",
      "\\boxed{",
      "}",
      "答案是",
      "个",
      "×",
      "÷",
      "１",
      "½",
      " of ",
      " and ",
      " cents",
      "9^9^9",
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 300 }).map((parts) => parts.join("")), fc.boolean(), (text, fallback) => {
        const started = performance.now();
        const verdict = verifyChain(text, { fallback });
        expect(performance.now() - started).toBeLessThan(500);
        expect(verdict.passed).toBeLessThanOrEqual(verdict.checked);
        expect(verdict.verified).toBe(verdict.steps.length > 0 && verdict.passed === verdict.steps.length);
      }),
      { numRuns: 2_000, seed: 11 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 500, unit: "grapheme" }), (text) => {
        expect(() => verifyChain(text)).not.toThrow();
      }),
      { numRuns: 1_000, seed: 12 },
    );
  });
});
