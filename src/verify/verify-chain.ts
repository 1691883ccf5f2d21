import { extractAnswer } from "./answer.js";
import { checkStep, type StepVerdict } from "./check.js";
import { defaultStepLimits, findCalculations } from "./steps.js";

/** Options of {@link verifyChain}. */
export interface VerifyOptions {
  /** Take the last number as the answer when no answer marker is found. Default `true`. */
  readonly fallback?: boolean;
}

/**
 * What the verifier can say of a whole chain:
 *
 * - `verified`: at least one step, and every step was checked and is right;
 * - `wrong`: at least one checked step is wrong;
 * - `partial`: no step is wrong, but at least one was not checked (unparsable, a skipped percent
 *   phrasing, or the part of the chain past a limit on work): what was checked is right, the rest is unknown;
 * - `none`: no calculation was found.
 */
export type ChainStatus = "verified" | "wrong" | "partial" | "none";

/** The verdict on a whole chain of thought. */
export interface ChainVerdict {
  /**
   * Every calculation found, in order: at most 200, and, when the chain goes on past a limit, one more
   * `unparsable` step with cause `limit` standing for the rest.
   */
  readonly steps: StepVerdict[];
  /** Steps that were checked and agree with their claim. */
  readonly passed: number;
  /** Steps that could be checked (not `unparsable`). */
  readonly checked: number;
  /** Steps with no verdict (`unparsable`: see each one's `cause`): `steps.length - checked`. */
  readonly unchecked: number;
  /** Verified, wrong, partial (some steps unchecked, none wrong) or none (no steps); see {@link ChainStatus}. */
  readonly status: ChainStatus;
  /**
   * `status === "verified"`: the chain has at least one step and every step was checked and passed. A
   * chain with no calculation is not verified: there is nothing it shows to be right, so a
   * verification-weighted vote should not rank it with chains whose arithmetic was checked; nor is a
   * partial one, whose unchecked steps may be wrong.
   */
  readonly verified: boolean;
  /** The final answer, normalised (see `extractAnswer`), or `null`. */
  readonly answer: string | null;
}

/**
 * Finds and checks every calculation in a chain and extracts its final answer. Wrong arithmetic is a
 * verdict, never an exception; work is bounded (200,000 characters scanned, 200 steps), so hostile
 * text comes back quickly, and what lies past a bound is reported as unchecked, so such a chain is
 * `partial` (or `wrong`), never verified.
 *
 * @example
 * const verdict = verifyChain("16 - 3 - 4 = 9 eggs. 9 * 2 = 19 dollars. The answer is 19.");
 * verdict.passed;   // 1
 * verdict.checked;  // 2
 * verdict.status;   // "wrong"
 * verdict.verified; // false
 * verdict.answer;   // "19"
 */
export function verifyChain(text: string, options: VerifyOptions = {}): ChainVerdict {
  const steps = findCalculations(text, defaultStepLimits).map((step): StepVerdict =>
    step.unchecked === undefined
      ? checkStep(step.expression, step.claimed, step.source)
      : { kind: "unparsable", source: step.source, expression: step.expression, claimed: step.claimed, ...step.unchecked },
  );
  let passed = 0;
  let checked = 0;
  for (const step of steps) {
    if (step.kind !== "checked") continue;
    checked += 1;
    if (step.ok) passed += 1;
  }
  const unchecked = steps.length - checked;
  const status: ChainStatus =
    steps.length === 0 ? "none" : passed < checked ? "wrong" : unchecked > 0 ? "partial" : "verified";
  const answer = extractAnswer(text, options.fallback === undefined ? {} : { fallback: options.fallback });
  return { steps, passed, checked, unchecked, status, verified: status === "verified", answer };
}
