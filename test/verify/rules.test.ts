import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkStep, normalizeAnswer, verifyChain } from "../../src/verify/index.js";
import { decimal, rational, sub } from "./rational.js";

// One property test (and the boundary examples) for each rule of issue 15.

const right = (a: number, b: number): string => `<<${a}+${b}=${a + b}>>${a + b}`;

describe("rule 1: a chain is verified only if every step in it was checked", () => {
  it("reports a wrong step past the step limit as unchecked, so the chain is partial, never verified", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 260 }), fc.integer({ min: 1, max: 99 }), (count, a) => {
        const steps = Array.from({ length: count }, (_, index) => right(index, a)).join(" ");
        const verdict = verifyChain(`${steps} <<2+2=5>>5\n#### 5`);
        expect(verdict.verified).toBe(false);
        expect(verdict.status).toBe("partial");
        expect(verdict.steps).toHaveLength(201);
        expect(verdict.steps[200]).toMatchObject({ kind: "unparsable", cause: "limit" });
      }),
      { numRuns: 20 },
    );
    // at the limit exactly, every step is checked
    const exactly = Array.from({ length: 200 }, (_, index) => right(index, 1)).join(" ");
    expect(verifyChain(exactly)).toMatchObject({ status: "verified", verified: true, checked: 200, unchecked: 0 });
  });

  it("reports text past the character limit as unchecked", () => {
    const verdict = verifyChain(`${"x".repeat(200_000)} <<2+2=5>>5`);
    expect(verdict).toMatchObject({ status: "partial", verified: false });
    expect(verdict.steps.at(-1)).toMatchObject({ kind: "unparsable", cause: "limit" });
    expect(verifyChain(`<<1+1=2>>2 ${"x".repeat(199_980)}`)).toMatchObject({ status: "verified" });
  });

  it("shows an empty claim and an annotation cut open as unchecked steps, wherever they are", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 20 }), fc.nat(), (numbers, at) => {
        const steps = numbers.map((n) => right(n, 7));
        expect(verifyChain(steps.join(" ")).status).toBe("verified");
        const withEmpty = [...steps];
        withEmpty.splice(at % (steps.length + 1), 0, "<<5*3=>>");
        const verdict = verifyChain(withEmpty.join(" "));
        expect(verdict.status).toBe("partial");
        expect(verdict.steps.filter((step) => step.kind === "unparsable")).toMatchObject([{ expression: "5*3", claimed: "", cause: "syntax" }]);
        expect(verifyChain(`${steps.join(" ")}\nSo 3*4 = <<3*4=1`).status).toBe("partial");
      }),
      { numRuns: 50 },
    );
  });

  it("calls a written result that contradicts its annotation a wrong step", () => {
    expect(verifyChain("10-50 = <<10-50=-40>>40").status).toBe("wrong");
    expect(verifyChain("7*24 = <<7*24=7*20+7*4=140+28=168>>168").status).toBe("verified");
    // a number after the result is not part of it
    expect(verifyChain("2400 / 200 = <<2400/200=12>>12 200-kilobyte videos").status).toBe("verified");
    expect(verifyChain("3 * 500 = <<3*500=1500>>$1,500").status).toBe("verified");
  });
});

describe("rule 2: a calculator's float output is right", () => {
  it("passes the issue's examples and fails one digit off", () => {
    for (const [expression, claimed] of [
      ["100/12", "8.333333333333334"],
      ["1.87*9", "16.830000000000002"],
      ["0.1+0.2", "0.30000000000000004"],
      ["1000/12", "83.33333333333333"],
    ] as const) {
      expect(checkStep(expression, claimed, "annotation"), `${expression}=${claimed}`).toMatchObject({ kind: "checked", ok: true });
    }
    expect(checkStep("1.87*9", "16.830000000000003")).toMatchObject({ kind: "checked", ok: false });
    expect(checkStep("0.1+0.2", "0.30000000000000005")).toMatchObject({ kind: "checked", ok: false });
    expect(checkStep("100/12", "8.333333333333336")).toMatchObject({ kind: "checked", ok: false });
  });

  // JavaScript's doubles are Python's floats: for decimal literals and + - * /, `String(a op b)` is the
  // shortest round-trip string of the value Python prints (its notation aside, which is compared by value)
  const literal = fc
    .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 3 }))
    .map(([digits, places]) => (places === 0 ? String(digits) : (digits / 10 ** places).toFixed(places)));
  const operator = fc.constantFrom("+", "-", "*", "/");

  it("passes what a calculator prints, and one last digit off only when that is the exact value rounded", () => {
    fc.assert(
      fc.property(literal, operator, literal, (a, op, b) => {
        fc.pre(!(op === "/" && Number(b) === 0));
        const value = op === "+" ? Number(a) + Number(b) : op === "-" ? Number(a) - Number(b) : op === "*" ? Number(a) * Number(b) : Number(a) / Number(b);
        const printed = String(value);
        expect(checkStep(`${a}${op}${b}`, printed, "annotation"), `${a}${op}${b}=${printed}`).toMatchObject({ ok: true });
        if (printed.includes("e") || printed.replace(/[-.]/g, "").length < 15) return;
        const last = Number(printed.at(-1));
        const altered = printed.slice(0, -1) + String(last === 9 ? 8 : last + 1);
        const a1 = decimal(a);
        const b1 = decimal(b);
        const actual =
          op === "+" ? rational(a1.n * b1.d + b1.n * a1.d, a1.d * b1.d)
          : op === "-" ? sub(a1, b1)
          : op === "*" ? rational(a1.n * b1.n, a1.d * b1.d)
          : rational(a1.n * b1.d, a1.d * b1.n);
        const places = (altered.split(".")[1] ?? "").length;
        const difference = sub(actual, decimal(altered));
        const absolute = difference.n < 0n ? -difference.n : difference.n;
        const rounded = absolute * 2n * 10n ** BigInt(places) <= difference.d;
        expect(checkStep(`${a}${op}${b}`, altered, "annotation"), `${a}${op}${b}=${altered}`).toMatchObject({ ok: rounded });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("rule 3: rounding to an integer is not a free pass", () => {
  it("fails the issue's examples and keeps the roundings people write", () => {
    for (const [expression, claimed] of [["1/3", "0"], ["2/3", "1"], ["19.5*(1/4)", "5"], ["7/2", "4"], ["1/3", "0.3"]] as const) {
      expect(checkStep(expression, claimed), `${expression}=${claimed}`).toMatchObject({ kind: "checked", ok: false });
    }
    for (const [expression, claimed] of [["70/3", "23"], ["50/60", ".83"], ["10/3", "3.33"], ["4/12", "0.33"], ["100/7", "14.29"]] as const) {
      expect(checkStep(expression, claimed), `${expression}=${claimed}`).toMatchObject({ kind: "checked", ok: true });
    }
  });

  it("accepts a rounded claim only within 5% of itself, and never with one significant digit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 2, max: 997 }), fc.integer({ min: 0, max: 3 }), (p, q, places) => {
        // a rounded claim, not the exact value
        fc.pre((p * 10 ** places) % q !== 0);
        const claimed = (p / q).toFixed(places);
        const verdict = checkStep(`${p}/${q}`, claimed);
        const significant = claimed.replace(".", "").replace(/^0+/, "").length;
        const ok = verdict.kind === "checked" && verdict.ok;
        // the claim is the value rounded to its decimals (toFixed rounds the double, which can differ
        // from the exact half-away rounding only at an exact half, never for p/q with q not 2^a 5^b)
        if (significant >= 2) {
          // two significant digits: at least 10 units of the last place, at most half a unit off
          const error = Math.abs(Number(claimed) - p / q) / Number(claimed);
          if (ok) expect(error).toBeLessThanOrEqual(0.05 + 1e-12);
        } else {
          expect(ok, `${p}/${q}=${claimed}`).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("rule 4: numbers in other scripts", () => {
  const zeros = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50, 0xff10, 0x1040];
  const script = (text: string, zero: number): string => text.replace(/\d/g, (digit) => String.fromCodePoint(zero + Number(digit)));

  it("folds every script's decimal digits in steps and in the answer", () => {
    expect(verifyChain("٣+٤=٧\n#### ٧")).toMatchObject({ status: "verified", answer: "7" });
    fc.assert(
      fc.property(fc.constantFrom(...zeros), fc.integer({ min: 0, max: 9_999 }), fc.integer({ min: 0, max: 9_999 }), fc.boolean(), (zero, a, b, wrong) => {
        const sum = a + b + (wrong ? 1 : 0);
        const ascii = verifyChain(`${a} + ${b} = ${sum}\n#### ${sum}`);
        const other = verifyChain(script(`${a} + ${b} = ${sum}\n#### ${sum}`, zero));
        expect(other.status).toBe(wrong ? "wrong" : "verified");
        expect(other.status).toBe(ascii.status);
        expect(other.answer).toBe(normalizeAnswer(String(sum)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("rule 5: percent phrasing", () => {
  it("checks the plain reading and shows the other conventions as skipped steps", () => {
    expect(verifyChain("So 1/8 x 100% = 12.5% of the cars are red.")).toMatchObject({ status: "verified" });
    expect(verifyChain("50% of 80 = 40")).toMatchObject({ status: "verified" });
    // shares of one whole: only the plain reading
    expect(verifyChain("100% - 20% - 25% = 55%")).toMatchObject({ status: "verified" });
    const skipped = verifyChain("0.5 * 40% = 20");
    expect(skipped.status).toBe("partial");
    expect(skipped.steps).toMatchObject([{ kind: "unparsable", cause: "skipped" }]);
    expect(verifyChain("0.5 * 40% = 25").status).toBe("wrong");
    expect(verifyChain("80 + 25% = 100").steps).toMatchObject([{ cause: "skipped" }]);
    expect(verifyChain("80 + 25% = 90").status).toBe("wrong");
  });

  it("passes p% of a, fails a claim right under no reading", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 999 }).map((n) => n * 4), fc.integer({ min: 1, max: 9 }), (p, a, off) => {
        const value = (p * a) / 100;
        expect(verifyChain(`${p}% of ${a} = ${value}`).status, `${p}% of ${a}`).toBe("verified");
        const wrong = value + off;
        // `wrong` is right under no reading: not p*a/100, not p*a (the claim without its % sign: 100× more)
        fc.pre(wrong !== p * a);
        expect(verifyChain(`${p}% of ${a} = ${wrong}`).status, `${p}% of ${a} = ${wrong}`).toBe("wrong");
      }),
      { numRuns: 300 },
    );
  });
});
