import { extractAnswer } from "./answer.js";
import { checkStep, type StepVerdict } from "./check.js";
import { defaultStepLimits, findCalculations } from "./steps.js";

/** Options of {@link verifyChain}. */
export interface VerifyOptions {
  /** Take the last number as the answer when no answer marker is found. Default `true`. */
  readonly fallback?: boolean;
}

/** The verdict on a whole chain of thought. */
export interface ChainVerdict {
  /** Every calculation found, in order (at most 200). */
  readonly steps: StepVerdict[];
  /** Steps that were checked and agree with their claim. */
  readonly passed: number;
  /** Steps that could be checked (not `unparsable`). */
  readonly checked: number;
  /**
   * `true` when the chain has at least one step and every step passed. A chain with no calculation is
   * not verified: there is nothing it shows to be right, so a verification-weighted vote should not
   * rank it with chains whose arithmetic was checked. An `unparsable` step did not pass.
   */
  readonly verified: boolean;
  /** The final answer, normalised (see `extractAnswer`), or `null`. */
  readonly answer: string | null;
}

/**
 * Finds and checks every calculation in a chain and extracts its final answer. Wrong arithmetic is a
 * verdict, never an exception; work is bounded (200,000 characters scanned, 200 steps), so hostile
 * text comes back quickly.
 *
 * @example
 * const verdict = verifyChain("16 - 3 - 4 = 9 eggs. 9 * 2 = 19 dollars. The answer is 19.");
 * verdict.passed;   // 1
 * verdict.checked;  // 2
 * verdict.verified; // false
 * verdict.answer;   // "19"
 */
export function verifyChain(text: string, options: VerifyOptions = {}): ChainVerdict {
  const steps = findCalculations(text, defaultStepLimits).map((step) =>
    checkStep(step.expression, step.claimed, step.source),
  );
  let passed = 0;
  let checked = 0;
  for (const step of steps) {
    if (step.kind !== "checked") continue;
    checked += 1;
    if (step.ok) passed += 1;
  }
  const answer = extractAnswer(text, options.fallback === undefined ? {} : { fallback: options.fallback });
  return { steps, passed, checked, verified: steps.length > 0 && passed === steps.length, answer };
}
