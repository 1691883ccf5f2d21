import {
  evaluate,
  evaluateTree,
  formatExact,
  hasPercentChange,
  parseExpression,
  roundScaled,
  type EvaluationFailure,
  type Exact,
  type ExpressionNode,
} from "./evaluate.js";
import { pythonFloat, shortestDecimal } from "./python-float.js";

/** Where a step was found: a GSM8K calculator annotation `<<a=b>>`, or an equation in the prose. */
export type StepSource = "annotation" | "inline";

/**
 * Why a step has no verdict:
 *
 * - `syntax`: the expression or the claim is no whitelisted arithmetic, an annotation claims nothing
 *   (`<<5*3=>>`), or an annotation is never closed;
 * - `arithmetic`: the expression has no value (division by zero, a non-integer power);
 * - `limit`: a bound on work: an expression too long or too large, or the part of a chain past the
 *   200-step or 200,000-character limit (see `verifyChain`);
 * - `skipped`: the step was read, but its percent phrasing has two meanings and it is right only under
 *   the other one (`0.5 * 40% = 20`, `80 + 25% = 100`; see `checkStep`).
 */
export type UncheckedCause = EvaluationFailure | "skipped";

/** The verdict on one calculation. A wrong step is a verdict, never an exception. */
export type StepVerdict =
  | {
      readonly kind: "checked";
      readonly source: StepSource;
      /** The left-hand side, as it was checked (currency signs and thousands commas removed). */
      readonly expression: string;
      /** The right-hand side the text claims. */
      readonly claimed: string;
      /** The exact value of `expression`, written by `formatExact`. */
      readonly actual: string;
      readonly ok: boolean;
    }
  | {
      /**
       * A step found but given no verdict: it was not checked, and a chain that has one is not
       * verified. (The name is historical: `cause` says why, and not every cause is a parse error.)
       */
      readonly kind: "unparsable";
      readonly source: StepSource;
      readonly expression: string;
      readonly claimed: string;
      readonly cause: UncheckedCause;
      /** Why there is no verdict, in words: a syntax error, a bound on work, division by zero, … */
      readonly reason: string;
    };

// A claim written as a plain decimal: its sign, its digits, how many decimals it shows, and a percent sign.
const plainClaim = /^-?(?:\d+(?:\.(\d+))?|\.(\d+))(%?)$/;
// A claim in a calculator's exponent notation: Python's `3.333333333333333e+19`, `1e-05`.
const scientificClaim = /^(-?)(\d+(?:\.\d*)?|\.\d+)[eE]([+-]?\d{1,3})$/;

function equal(left: Exact, right: Exact): boolean {
  return left.numerator === right.numerator && left.denominator === right.denominator;
}

/**
 * Whether `actual`, rounded to `places` decimals (halves away from zero), is the decimal `claimed`, and
 * the rounded claim keeps at least two significant digits (`70/3 = 23`, `2/3 = 0.67`, never `2/3 = 1`).
 */
function roundsTo(actual: Exact, claimed: Exact, places: number): boolean {
  const scale = 10n ** BigInt(places);
  // claimed * 10^places must be an integer for the claim to show `places` decimals
  if ((claimed.numerator * scale) % claimed.denominator !== 0n) return false;
  const scaled = (claimed.numerator * scale) / claimed.denominator;
  // why: a rounded claim with one significant digit is up to 100% off (`1/3 = 0`, `2/3 = 1`, `19.5/4 = 5`);
  // with two it is within 5% (one unit of its last place in ten)
  if (scaled > -10n && scaled < 10n) return false;
  return roundScaled(actual, places) === scaled;
}

/** The exact value of a claim in exponent notation, or `null`. */
function scientificValue(claimed: string): Exact | null {
  const match = scientificClaim.exec(claimed.trim());
  if (match === null) return null;
  const [, sign, digits = "", exponentText = "0"] = match;
  const [whole = "", fraction = ""] = digits.split(".");
  const exponent = Number(exponentText) - fraction.length;
  const numerator = BigInt(`${whole}${fraction}` || "0") * (exponent > 0 ? 10n ** BigInt(exponent) : 1n);
  const value = evaluate(`${numerator}/${exponent < 0 ? 10n ** BigInt(-exponent) : 1n}`);
  if (!value.ok) return null;
  return sign === "-" ? { numerator: -value.value.numerator, denominator: value.value.denominator } : value.value;
}

/** The exact value of a claim: a whitelisted expression, or a number in exponent notation. */
function claimValue(claimed: string): Exact | null {
  const claim = evaluate(claimed);
  if (claim.ok) return claim.value;
  return scientificValue(claimed);
}

/**
 * Whether a claimed result agrees with the exact value. The rule:
 *
 * - a claim passes if it equals the exact value (`10/4 = 2.5`, `1/2 = 2/4`);
 * - a claim written as a plain decimal also passes if it is the exact value rounded to the number of
 *   decimals the claim shows, halves away from zero, and keeps at least two significant digits:
 *   `50/60 = .83`, `10/3 = 3.33`, `70/3 = 23` and `4/12 = 0.33` pass (an integer claim shows zero
 *   decimals); `1/3 = 0`, `2/3 = 1`, `19.5*(1/4) = 5`, `7/2 = 4` and `1/3 = 0.3` fail (one significant
 *   digit: up to 100% off), as do `25*3 = 7500`, `10/3 = 3.34` and `10/3 = 3.3333334`;
 * - a claim with a percent sign (`20/50 = 40%`, `(30/120)*100 = 25%`) passes if either the value with
 *   the percent (`0.4`) or the bare number (`40`) agrees by the two rules above, since people write both.
 *
 * Returns `null` when the claim is no whitelisted expression (nor a number in exponent notation).
 * `checkStep` adds the calculator rule (a Python float's printed value) and the percent conventions.
 *
 * @example
 * claimAgrees({ numerator: 5n, denominator: 6n }, ".83"); // true
 * claimAgrees({ numerator: 2n, denominator: 3n }, "1");   // false
 * claimAgrees({ numerator: 75n, denominator: 1n }, "7500"); // false
 */
export function claimAgrees(actual: Exact, claimed: string): boolean | null {
  const claim = claimValue(claimed);
  if (claim === null) return null;
  if (equal(actual, claim)) return true;
  const plain = plainClaim.exec(claimed.trim());
  if (plain === null) return false;
  const places = (plain[1] ?? plain[2] ?? "").length;
  if (plain[3] === "%") {
    const bare = evaluate(claimed.trim().slice(0, -1));
    if (roundsTo(actual, claim, places + 2)) return true;
    return bare.ok && (equal(actual, bare.value) || roundsTo(actual, bare.value, places));
  }
  return roundsTo(actual, claim, places);
}

/**
 * The calculator rule: the claim is what a Python calculator prints for the expression, a float written
 * as its shortest round-trip string (`100/12 = 8.333333333333334`, `1.87*9 = 16.830000000000002`,
 * `0.1+0.2 = 0.30000000000000004`). Compared by value, so notation does not matter (`1e-05`, `1e-5`).
 */
function calculatorAgrees(tree: ExpressionNode, claimed: string): boolean {
  const float = pythonFloat(tree);
  if (float === null) return false;
  const claim = claimValue(claimed);
  return claim !== null && equal(shortestDecimal(float), claim);
}

function scaled(value: Exact, factor: bigint): Exact {
  return { numerator: value.numerator * factor, denominator: value.denominator };
}

/**
 * The reading under which a percent step that fails its plain reading is right, or `null`: the claim
 * lacks its percent sign (`0.5 * 40% = 20`: 0.2 is 20%), the percents are percentage points
 * (`20% + 5 = 25%`), or a percent added to an amount is a change (`80 + 25% = 100`, as on a calculator).
 */
function otherPercentReading(tree: ExpressionNode, value: Exact, claimed: string): string | null {
  const trimmed = claimed.trim();
  if (!trimmed.endsWith("%") && claimAgrees(scaled(value, 100n), trimmed) === true) {
    return `its value ${formatExact(value)} is ${formatExact(scaled(value, 100n))}%, and the claim has no % sign`;
  }
  const points = evaluateTree(tree, "points");
  if (points.ok && claimAgrees(points.value, trimmed.replace(/%$/, "")) === true) {
    return `it is right only in percentage points (every % dropped: ${formatExact(points.value)})`;
  }
  if (hasPercentChange(tree)) {
    const change = evaluateTree(tree, "change");
    if (change.ok && !equal(change.value, value) && claimAgrees(change.value, trimmed) === true) {
      return `a + b% is read as b% more than a (${formatExact(change.value)}), as on a calculator`;
    }
  }
  return null;
}

/**
 * Checks one calculation: evaluates `expression` exactly and compares it with `claimed` by the rule of
 * {@link claimAgrees}, or the calculator rule: a claim that is the float a Python calculator prints for
 * the expression passes too (`100/12 = 8.333333333333334`; one digit off, `8.333333333333335`, fails).
 * Never throws; anything that cannot be evaluated is an `unparsable` verdict with its `cause`.
 *
 * Percent phrasing, when the expression has a `%`: the plain reading (`%` is hundredths: `50% of 80 = 40`,
 * `1/8 x 100% = 12.5%`) is checked. A step that fails it but is right under another convention
 * people write is skipped (cause `skipped`, the reading in `reason`), not called wrong:
 * `0.5 * 40% = 20` (20 meaning 20%), `20% + 5 = 25%` (percentage points). A step that adds a percent to
 * an amount (`80 + 25%`) has two meanings (80.25, or 100 as on a calculator), so it is skipped when
 * right under either and wrong when right under none. A skipped step is unchecked: its chain is not
 * verified.
 *
 * @example
 * checkStep("16-3-4", "9");  // { kind: "checked", expression: "16-3-4", claimed: "9", actual: "9", ok: true, ... }
 * checkStep("25*3", "7500"); // { kind: "checked", ..., actual: "75", ok: false }
 * checkStep("0.5 * 40%", "20"); // { kind: "unparsable", cause: "skipped", reason: "percent phrasing: ..." }
 */
export function checkStep(expression: string, claimed: string, source: StepSource = "inline"): StepVerdict {
  const unchecked = (cause: UncheckedCause, reason: string): StepVerdict => ({
    kind: "unparsable",
    source,
    expression,
    claimed,
    cause,
    reason,
  });
  if (expression.trim() === "") return unchecked("syntax", "there is no expression before the =");
  if (claimed.trim() === "") return unchecked("syntax", "no result is claimed");
  const parsed = parseExpression(expression);
  if (!parsed.ok) return unchecked(parsed.failure, parsed.reason);
  const result = evaluateTree(parsed.tree);
  if (!result.ok) return unchecked(result.failure, result.reason);
  let agrees = claimAgrees(result.value, claimed);
  if (agrees === null) return unchecked("syntax", "the claimed result is not a number");
  if (!agrees) agrees = calculatorAgrees(parsed.tree, claimed);
  const checked: StepVerdict = { kind: "checked", source, expression, claimed, actual: formatExact(result.value), ok: agrees };
  if (!expression.includes("%")) return checked;
  // why: `80 + 25%` is 80.25 plainly and 100 on a calculator; `1 - 20%` is 0.8 either way
  const change = hasPercentChange(parsed.tree) ? evaluateTree(parsed.tree, "change") : null;
  const changeForm = change !== null && (!change.ok || !equal(change.value, result.value));
  if (agrees && !changeForm) return checked;
  const other = otherPercentReading(parsed.tree, result.value, claimed);
  if (changeForm && (agrees || other !== null)) {
    return unchecked(
      "skipped",
      `percent phrasing: a percent added to an amount has two meanings (${formatExact(result.value)} read plainly${
        other === null ? "" : `; ${other}`
      }); not checked`,
    );
  }
  if (other !== null) return unchecked("skipped", `percent phrasing: plainly ${formatExact(result.value)}, but ${other}; not checked`);
  return checked;
}
