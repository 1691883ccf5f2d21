import { describe, expect, it } from "vitest";
import { extractAnswer, normalizeAnswer } from "../../src/verify/index.js";

describe("extractAnswer", () => {
  it("reads every answer marker", () => {
    expect(extractAnswer("She makes 18.\n#### 18")).toBe("18");
    expect(extractAnswer("So she makes $18. The answer is $18.")).toBe("18");
    expect(extractAnswer("Answer: 42")).toBe("42");
    expect(extractAnswer("所以答案是 10 个")).toBe("10");
    expect(extractAnswer("答案：25")).toBe("25");
    expect(extractAnswer("答案：-7元")).toBe("-7");
    expect(extractAnswer("so \\boxed{18}.")).toBe("18");
    expect(extractAnswer("\\boxed{\\frac{3}{4}}")).toBe("0.75");
    expect(extractAnswer("\\boxed{\\$1,000}")).toBe("1000");
  });

  it("normalises the number", () => {
    expect(extractAnswer("The answer is $1,000.00.")).toBe("1000");
    expect(extractAnswer("The answer is 12.0 cm.")).toBe("12");
    expect(extractAnswer("The answer is 3/4.")).toBe("0.75");
    expect(extractAnswer("The answer is -$160.")).toBe("-160");
    expect(extractAnswer("The answer is 0.50 dollars")).toBe("0.5");
    expect(extractAnswer("#### 1,080")).toBe("1080");
    expect(extractAnswer("The answer is ３０.")).toBe("30");
  });

  it("prefers the strongest marker, then the last occurrence", () => {
    expect(extractAnswer("The answer is 5.\n#### 6")).toBe("6");
    expect(extractAnswer("The answer is 5. Wait, the answer is 7.")).toBe("7");
    expect(extractAnswer("Final Answer: How many are left after 30 days?\nThey have 12 left. The answer is 12.")).toBe("12");
    expect(extractAnswer("Final Answer: How many after 30 days?\nThey have 12 left.")).toBe("12");
    expect(extractAnswer("The answer is (4.67 + 12) / 2 = 7.33 roll-ups.")).toBe("7.33");
  });

  it("falls back to the last number, unless told not to", () => {
    expect(extractAnswer("So she has 16 - 3 = 13 eggs.")).toBe("13");
    expect(extractAnswer("So she has 16 - 3 = 13 eggs.", { fallback: false })).toBeNull();
    expect(extractAnswer("No numbers here.")).toBeNull();
    expect(extractAnswer("")).toBeNull();
    expect(extractAnswer("The answer is unclear.", { fallback: false })).toBeNull();
  });

  it("stays fast on hostile text", () => {
    const started = performance.now();
    extractAnswer("The answer is ".repeat(100_000));
    extractAnswer("1".repeat(1_000_000));
    extractAnswer("\\boxed{" + "{".repeat(100_000));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("normalizeAnswer", () => {
  it("writes numbers the way answers are compared", () => {
    expect(normalizeAnswer("$1,000.00")).toBe("1000");
    expect(normalizeAnswer("12.0")).toBe("12");
    expect(normalizeAnswer("3/4")).toBe("0.75");
    expect(normalizeAnswer("-2.50")).toBe("-2.5");
    expect(normalizeAnswer("none")).toBeNull();
  });
});
