import { describe, expect, it } from "vitest";
import { adaptiveRule, escRule, fixedRule, leaderProbability } from "../../src/vote/index.js";

/** 1 - I_{1/2}(a+1, b+1) by numeric integration of the Beta density, as an independent check. */
function integrated(a: number, b: number): number {
  const steps = 200_000;
  let above = 0;
  let total = 0;
  for (let index = 0; index < steps; index += 1) {
    const p = (index + 0.5) / steps;
    const density = p ** a * (1 - p) ** b;
    total += density;
    if (p > 0.5) above += density;
  }
  return above / total;
}

describe("leaderProbability", () => {
  it("matches hand-computed Beta probabilities", () => {
    expect(leaderProbability(0, 0)).toBe(0.5);
    expect(leaderProbability(1, 0)).toBe(0.75);
    expect(leaderProbability(2, 0)).toBe(7 / 8);
    expect(leaderProbability(3, 0)).toBe(0.9375); // 1 - 1/16
    expect(leaderProbability(4, 0)).toBe(31 / 32);
    expect(leaderProbability(2, 1)).toBe(11 / 16); // n = 4: (1 + 4 + 6) / 16
    expect(leaderProbability(3, 3)).toBe(0.5);
    expect(leaderProbability(5, 2)).toBe((1 + 8 + 28 + 56 + 56 + 70) / 256);
  });

  it("agrees with numeric integration and stays finite for large counts", () => {
    for (const [a, b] of [[7, 3], [12, 5], [20, 19], [1, 4]] as const) {
      expect(leaderProbability(a, b)).toBeCloseTo(integrated(a, b), 6);
    }
    expect(leaderProbability(2_000, 1_900)).toBeGreaterThan(0.9);
    expect(leaderProbability(2_000, 1_900)).toBeLessThan(1);
    expect(leaderProbability(5_000, 0)).toBe(1);
    expect(() => leaderProbability(-1, 0)).toThrow(RangeError);
  });
});

describe("stopping rules", () => {
  it("fixed never stops, or stops at its count", () => {
    expect(fixedRule().shouldStop(Array(100).fill("1"))).toBe(false);
    expect(fixedRule({ count: 3 }).shouldStop(["1", null])).toBe(false);
    expect(fixedRule({ count: 3 }).shouldStop(["1", null, "2"])).toBe(true);
  });

  it("adaptive stops once the leader's majority is likely enough", () => {
    const rule = adaptiveRule();
    expect(rule.shouldStop([])).toBe(false);
    expect(rule.shouldStop(["18", "18", "18"])).toBe(false); // 0.9375
    expect(rule.shouldStop(["18", "18", "18", "18"])).toBe(true); // 0.96875
    expect(rule.shouldStop(["18", "18", "18", "18", "7"])).toBe(false); // 1 - I(5, 2) = 0.890625
    expect(rule.shouldStop(["18", null, "18", null, "18", "18"])).toBe(true); // nulls do not count
    expect(adaptiveRule({ threshold: 0.9 }).shouldStop(["1", "1", "1"])).toBe(true);
    expect(adaptiveRule({ minSamples: 6 }).shouldStop(["1", "1", "1", "1", "1"])).toBe(false);
    expect(rule.shouldStop([null, null, null, null, null])).toBe(false);
  });

  it("ESC stops when the last window of answers agree", () => {
    const rule = escRule();
    expect(rule.shouldStop(["1", "1", "1", "1"])).toBe(false);
    expect(rule.shouldStop(["2", "1", "1", "1", "1", "1"])).toBe(true);
    expect(rule.shouldStop(["1", "1", "1", "1", "2"])).toBe(false);
    expect(rule.shouldStop([null, null, null, null, null])).toBe(false);
    expect(rule.shouldStop(["1", "1", null, "1", "1"])).toBe(false);
    expect(escRule({ window: 2 }).shouldStop(["3", "7", "7"])).toBe(true);
  });
});
