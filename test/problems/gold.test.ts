import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { goldFromSolution, normaliseGold } from "../../src/problems/gold.js";
import { extractAnswer } from "../../src/verify/answer.js";

describe("normaliseGold", () => {
  it.each([
    ["18", "18"],
    ["$18", "18"],
    ["18.0", "18"],
    ["18.50", "18.5"],
    ["1,234,567", "1234567"],
    ["$1,234.50", "1234.5"],
    [" 0.75 ", "0.75"],
    [".5", "0.5"],
    ["007", "7"],
    ["-0", "0"],
    ["-3", "-3"],
    ["+3", "3"],
    ["25%", "25"],
    ["18.", "18"],
  ])("%j → %j", (input, expected) => {
    expect(normaliseGold(input)).toBe(expected);
  });

  it.each([["about 3"], [""], ["3/4"], ["1,23"], ["-"], ["."]])("%j is not a plain number", (input) => {
    expect(normaliseGold(input)).toBeNull();
  });

  it("normalises numbers", () => {
    expect(normaliseGold(51.0)).toBe("51");
    expect(normaliseGold(0.75)).toBe("0.75");
    expect(normaliseGold(-0)).toBe("0");
    expect(normaliseGold(Number.NaN)).toBeNull();
    expect(normaliseGold(1e21)).toBe("1000000000000000000000");
  });

  it("agrees on a number and its decimal string", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const value = whole + (whole < 0 ? -cents : cents) / 100;
        expect(normaliseGold(String(value))).toBe(normaliseGold(value));
      }),
    );
  });
});

describe("goldFromSolution", () => {
  it("takes the text after the last ####", () => {
    expect(goldFromSolution("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18")).toBe("18");
    expect(goldFromSolution("...\n#### 1,000")).toBe("1000");
    expect(goldFromSolution("no marker")).toBeUndefined();
    expect(goldFromSolution("#### lots")).toBeNull();
  });

  it("reads the answer line as chains' answers are read: one marker parser, one number writer", () => {
    // the verifier folds other scripts' digits on the answer line, so gold and chain agree on them
    expect(goldFromSolution("٣+٤=٧\n#### ٧")).toBe(extractAnswer("٣+٤=٧\n#### ٧"));
    expect(goldFromSolution("...\n#### ７２")).toBe("72");
    // the line after the last marker, not what follows it on later lines
    expect(goldFromSolution("#### 18\nsee above")).toBe("18");
    for (const text of ["0.125", "-2.50", "1,000", "$3"]) expect(goldFromSolution(`#### ${text}`)).toBe(extractAnswer(`#### ${text}`));
  });
});
