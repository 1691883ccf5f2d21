import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calculatorResult, evaluate, formatExact, type Evaluation } from "../../src/verify/index.js";
import { add, decimal, div, equal, mul, pow, rational, sub, type Rational } from "./rational.js";

function value(expression: string): string | null {
  const result = evaluate(expression);
  return result.ok ? formatExact(result.value) : null;
}

function failure(result: Evaluation): string {
  return result.ok ? "ok" : result.failure;
}

describe("evaluate", () => {
  it("computes exactly, with precedence, associativity and signs", () => {
    expect(value("16-3-4")).toBe("9");
    expect(value("(26-2)/2")).toBe("12");
    expect(value("0.1 + 0.2")).toBe("0.3");
    expect(value(".5*4")).toBe("2");
    expect(value("2^3^2")).toBe("512");
    expect(value("-2^2")).toBe("-4");
    expect(value("(-2)^2")).toBe("4");
    expect(value("2^-2")).toBe("0.25");
    expect(value("- -3")).toBe("3");
    expect(value("1,200 + 300")).toBe("1500");
    expect(value("50%")).toBe("0.5");
    expect(value("50% * 80")).toBe("40");
    expect(value("7//2")).toBe("3");
    expect(value("2**10")).toBe("1024");
    expect(evaluate("10/4")).toEqual({ ok: true, value: { numerator: 5n, denominator: 2n }, operators: 1 });
    expect(evaluate("-7")).toMatchObject({ ok: true, operators: 0 });
  });

  it("accepts nothing outside the whitelist", () => {
    for (const text of ["2 + x", "sqrt(4)", "a = 3", "import('fs')", "2 3", "1,20 + 3", "3 +", "(1 + 2", "", "10 % 3", "1e5"]) {
      expect(failure(evaluate(text)), text).toBe("syntax");
    }
  });

  it("returns arithmetic failures as verdicts", () => {
    expect(evaluate("1/0")).toEqual({ ok: false, failure: "arithmetic", reason: "division by zero" });
    expect(failure(evaluate("0^-1"))).toBe("arithmetic");
    expect(failure(evaluate("4^0.5"))).toBe("arithmetic");
    expect(value("0^0")).toBe("1");
    expect(value("(-1)^12345678901")).toBe("-1");
  });

  it("bounds hostile input and answers each in milliseconds", () => {
    const hostile = [
      "9^9^9^9",
      "9".repeat(100_000),
      "9".repeat(301),
      `${"(".repeat(10_000)}1${")".repeat(10_000)}`,
      `${"(".repeat(500)}1${")".repeat(500)}`,
      "-".repeat(1_500) + "1",
      "1+".repeat(500_000) + "1",
      "2^10001",
      "99999^9999",
      "(10^300)^10*(10^300)^10*(10^300)^10*(10^300)^10",
    ];
    for (const text of hostile) {
      const started = performance.now();
      const result = evaluate(text);
      expect(performance.now() - started, text.slice(0, 30)).toBeLessThan(200);
      expect(failure(result), text.slice(0, 30)).toBe("limit");
    }
  });
});

describe("formatExact and calculatorResult", () => {
  it("writes terminating fractions in full and others to 4 decimals", () => {
    expect(formatExact({ numerator: 3n, denominator: 10n })).toBe("0.3");
    expect(formatExact({ numerator: 10n, denominator: 1n })).toBe("10");
    expect(formatExact({ numerator: -5n, denominator: 2n })).toBe("-2.5");
    expect(formatExact({ numerator: 2n, denominator: 3n })).toBe("0.6667");
    expect(formatExact({ numerator: -1n, denominator: 3n })).toBe("-0.3333");
    expect(formatExact({ numerator: 1n, denominator: 300_000n })).toBe("0");
    expect(formatExact({ numerator: 0n, denominator: 1n })).toBe("0");
  });

  it("gives the calculator's result for the text between << and =", () => {
    expect(calculatorResult("16-3-4")).toBe("9");
    expect(calculatorResult("9*2")).toBe("18");
    expect(calculatorResult("10/4")).toBe("2.5");
    expect(calculatorResult("1/0")).toBeNull();
    expect(calculatorResult("2 + two")).toBeNull();
  });
});

// Property tests: random well-formed trees, rendered as text and evaluated independently from the tree.
type Tree =
  | { kind: "literal"; text: string }
  | { kind: "negate"; operand: Tree }
  | { kind: "percent"; text: string }
  | { kind: "binary"; operator: "+" | "-" | "*" | "/"; left: Tree; right: Tree }
  | { kind: "power"; base: Tree; exponent: number };

const literal = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }).map((n) => String(n)),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 })).map(([a, b]) => `${a}.${b}`),
  fc.integer({ min: 0, max: 99 }).map((n) => `.${n}`),
);

const { tree } = fc.letrec<{ tree: Tree }>((self) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    literal.map((text): Tree => ({ kind: "literal", text })),
    literal.map((text): Tree => ({ kind: "percent", text })),
    self("tree").map((operand): Tree => ({ kind: "negate", operand })),
    fc
      .tuple(fc.constantFrom("+", "-", "*", "/" as const), self("tree"), self("tree"))
      .map(([operator, left, right]): Tree => ({ kind: "binary", operator, left, right })),
    fc.tuple(self("tree"), fc.integer({ min: -3, max: 3 })).map(([base, exponent]): Tree => ({ kind: "power", base, exponent })),
  ),
}));

function render(node: Tree, space: string): string {
  switch (node.kind) {
    case "literal":
      return node.text;
    case "percent":
      return `${node.text}%`;
    case "negate":
      return `(-${render(node.operand, space)})`;
    case "binary":
      return `(${render(node.left, space)}${space}${node.operator}${space}${render(node.right, space)})`;
    case "power":
      return `(${render(node.base, space)})^(${node.exponent})`;
  }
}

function reference(node: Tree): Rational | null {
  switch (node.kind) {
    case "literal":
      return decimal(node.text);
    case "percent":
      return div(decimal(node.text), rational(100n));
    case "negate": {
      const operand = reference(node.operand);
      return operand === null ? null : rational(-operand.n, operand.d);
    }
    case "binary": {
      const left = reference(node.left);
      const right = reference(node.right);
      if (left === null || right === null) return null;
      return { "+": add, "-": sub, "*": mul, "/": div }[node.operator](left, right);
    }
    case "power": {
      const base = reference(node.base);
      return base === null ? null : pow(base, node.exponent);
    }
  }
}

describe("evaluate, property-based", () => {
  it("agrees with an independent exact evaluation of random expressions", () => {
    fc.assert(
      fc.property(tree, fc.constantFrom("", " ", "  "), (node, space) => {
        const expected = reference(node);
        const text = render(node, space);
        const result = evaluate(text);
        if (text.length > 2_000) return; // beyond the length bound, a limit verdict is right
        if (expected === null) {
          expect(result.ok).toBe(false);
          return;
        }
        if (!result.ok) {
          // only a bound may stop a well-formed expression with a value
          expect(result.failure).toBe("limit");
          return;
        }
        expect(equal(expected, result.value)).toBe(true);
      }),
      { numRuns: 2_000, seed: 4 },
    );
  });

  it("never throws on hostile strings and answers each within a bound", () => {
    const alphabet = fc.constantFrom(..."0123456789.+-*/^%()=, x$<>".split(""), "**", "//", "9^9", "((", "1e9");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }).map((parts) => parts.join("")), (text) => {
        const started = performance.now();
        expect(() => evaluate(text)).not.toThrow();
        expect(performance.now() - started).toBeLessThan(250);
      }),
      { numRuns: 3_000, seed: 7 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: "binary" }), (text) => {
        expect(() => evaluate(text)).not.toThrow();
      }),
      { numRuns: 1_000, seed: 8 },
    );
  });
});
