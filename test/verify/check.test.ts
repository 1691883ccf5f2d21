import { describe, expect, it } from "vitest";
import { checkStep, claimAgrees, verifyChain } from "../../src/verify/index.js";

describe("checkStep", () => {
  it("passes exact claims and claims rounded to the decimals they show", () => {
    expect(checkStep("16-3-4", "9")).toMatchObject({ kind: "checked", actual: "9", ok: true });
    expect(checkStep("50/60", ".83")).toMatchObject({ kind: "checked", actual: "0.8333", ok: true });
    expect(checkStep("10/3", "3.33")).toMatchObject({ ok: true });
    expect(checkStep("2/3", "0.67")).toMatchObject({ ok: true });
    expect(checkStep("70/3", "23")).toMatchObject({ ok: true });
    expect(checkStep("10/4", "2.50")).toMatchObject({ ok: true });
    expect(checkStep("1/2", "2/4")).toMatchObject({ ok: true });
    expect(checkStep("-5/2", "-2.5")).toMatchObject({ ok: true });
  });

  it("fails wrong claims", () => {
    expect(checkStep("25*3", "7500")).toEqual({
      kind: "checked",
      source: "inline",
      expression: "25*3",
      claimed: "7500",
      actual: "75",
      ok: false,
    });
    expect(checkStep("10/3", "3.34")).toMatchObject({ ok: false });
    expect(checkStep("10/3", "3.3333334")).toMatchObject({ ok: false });
    expect(checkStep("2/3", "0.66")).toMatchObject({ ok: false });
    expect(checkStep("10/4", "2")).toMatchObject({ ok: false });
    expect(checkStep("1/2", "1/3")).toMatchObject({ ok: false });
  });

  it("reads percent claims either way", () => {
    expect(claimAgrees({ numerator: 2n, denominator: 5n }, "40%")).toBe(true);
    expect(claimAgrees({ numerator: 25n, denominator: 1n }, "25%")).toBe(true);
    expect(claimAgrees({ numerator: 1n, denominator: 3n }, "33.3%")).toBe(true);
    expect(claimAgrees({ numerator: 1n, denominator: 3n }, "30%")).toBe(false);
  });

  it("reports what it cannot evaluate as unparsable, never throwing", () => {
    expect(checkStep("1/0", "5")).toEqual({
      kind: "unparsable",
      source: "inline",
      expression: "1/0",
      claimed: "5",
      cause: "arithmetic",
      reason: "division by zero",
    });
    expect(checkStep("2+2", "four")).toMatchObject({ kind: "unparsable", reason: "the claimed result is not a number" });
    expect(checkStep("x+1", "2", "annotation")).toMatchObject({ kind: "unparsable", source: "annotation" });
  });
});

describe("verifyChain", () => {
  it("counts steps, passes and the answer", () => {
    const verdict = verifyChain("16 - 3 - 4 = 9 eggs. 9 * 2 = 19 dollars. The answer is 19.");
    expect(verdict).toMatchObject({ passed: 1, checked: 2, verified: false, answer: "19" });
    expect(verdict.steps.map((step) => step.kind === "checked" && step.ok)).toEqual([true, false]);
    expect(verifyChain("16 - 3 - 4 = 9 eggs. 9 * 2 = 18 dollars. The answer is 18.")).toMatchObject({
      passed: 2,
      checked: 2,
      verified: true,
      answer: "18",
    });
  });

  it("does not verify a chain without steps, nor one with an unparsable step", () => {
    expect(verifyChain("She has 18 eggs. The answer is 18.")).toMatchObject({ steps: [], verified: false, answer: "18" });
    expect(verifyChain("1/0 + 2 = 3. The answer is 3.")).toMatchObject({ checked: 0, verified: false });
  });

  it("switches the answer fallback off", () => {
    expect(verifyChain("She sells 9 eggs.").answer).toBe("9");
    expect(verifyChain("She sells 9 eggs.", { fallback: false }).answer).toBeNull();
  });
});
