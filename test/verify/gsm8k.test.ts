import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkStep, normalizeAnswer, verifyChain } from "../../src/verify/index.js";
import { seededRandom } from "../seeded-random.js";
import { referenceEvaluate, withinRounding } from "./rational.js";

// GSM8K train + test reference solutions (Cobbe et al. 2021), with their calculator annotations.
const solutions = ["train", "test"].flatMap((split) =>
  readFileSync(`data/gsm8k/${split}.jsonl`, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { answer: string }).answer),
);

const annotations = solutions.flatMap((solution) =>
  [...solution.matchAll(/<<([^<>]*)>>/g)].map((match) => {
    const content = match[1] ?? "";
    const equals = content.indexOf("=");
    return { expression: content.slice(0, equals), claimed: content.slice(equals + 1) };
  }),
);

describe("GSM8K references", () => {
  it("has the 27,998 calculator annotations", () => {
    expect(solutions).toHaveLength(8_792);
    expect(annotations).toHaveLength(27_998);
  });

  it("passes every annotation: zero false rejections", () => {
    const rejected = annotations.filter(({ expression, claimed }) => {
      const verdict = checkStep(expression, claimed, "annotation");
      return verdict.kind !== "checked" || !verdict.ok;
    });
    expect(rejected).toEqual([]);
  });

  it("verifies every solution's annotations and extracts its #### answer, quickly", () => {
    const started = performance.now();
    const verdicts = solutions.map((solution) => verifyChain(solution));
    const elapsed = performance.now() - started;
    let annotationSteps = 0;
    verdicts.forEach((verdict, index) => {
      const solution = solutions[index] as string;
      for (const step of verdict.steps) {
        if (step.source !== "annotation") continue;
        annotationSteps += 1;
        expect(step.kind === "checked" && step.ok, `${step.expression}=${step.claimed}`).toBe(true);
      }
      expect(verdict.answer).toBe(normalizeAnswer(solution.slice(solution.lastIndexOf("####") + 4)));
    });
    expect(annotationSteps).toBe(27_998);
    // about 0.5 s on a loaded two-core machine; the bound is loose so a busy CI does not flake
    expect(elapsed).toBeLessThan(10_000);
  });
});

/** Alters a claimed result so that its value changes, in one of the ways a model slips. */
function plantError(claimed: string, random: () => number): string {
  const digits = [...claimed].map((character, index) => ({ character, index })).filter(({ character }) => /\d/.test(character));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  switch (Math.floor(random() * 5)) {
    case 0: {
      // off by a small integer
      const delta = (1 + Math.floor(random() * 9)) * (random() < 0.5 ? -1 : 1);
      const value = Number(claimed) + delta;
      const places = claimed.includes(".") ? (claimed.split(".")[1] ?? "").length : 0;
      return value.toFixed(places);
    }
    case 1:
      // a missing or extra zero
      return random() < 0.5 ? `${claimed}0`.replace(/^(-?)\./, "$10.") : String(Number(claimed) / 10);
    case 2: {
      // one digit changed
      const { index, character } = pick(digits);
      const replacement = String((Number(character) + 1 + Math.floor(random() * 9)) % 10);
      return claimed.slice(0, index) + replacement + claimed.slice(index + 1);
    }
    case 3: {
      // two neighbouring digits swapped, or one dropped
      const { index } = pick(digits);
      if (random() < 0.5 && /\d/.test(claimed[index + 1] ?? "")) {
        return claimed.slice(0, index) + (claimed[index + 1] ?? "") + (claimed[index] ?? "") + claimed.slice(index + 2);
      }
      return claimed.slice(0, index) + claimed.slice(index + 1);
    }
    default: {
      // a digit duplicated
      const { index } = pick(digits);
      return claimed.slice(0, index + 1) + claimed.slice(index);
    }
  }
}

describe("planted errors", () => {
  it("catches at least 99% of altered results, and misses only inside the rounding rule", () => {
    const random = seededRandom(20_240_601);
    let planted = 0;
    let caught = 0;
    const missed: string[] = [];
    for (const { expression, claimed } of annotations) {
      const altered = plantError(claimed, random);
      // an alteration that keeps the value (`5` → `5.0`, `.5` → `0.5`) or is no number plants nothing
      if (!/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(altered) || Number(altered) === Number(claimed)) continue;
      planted += 1;
      const verdict = checkStep(expression, altered, "annotation");
      if (verdict.kind === "checked" && !verdict.ok) {
        caught += 1;
        continue;
      }
      const actual = referenceEvaluate(expression.replace(/\/\//g, "/"));
      expect(actual, expression).not.toBeNull();
      if (actual !== null && !withinRounding(actual, altered)) missed.push(`${expression}=${altered}`);
    }
    expect(planted).toBeGreaterThanOrEqual(10_000);
    expect(caught / planted).toBeGreaterThanOrEqual(0.99);
    expect(missed).toEqual([]);
  });
});
