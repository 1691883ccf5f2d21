import { evaluate, formatExact, roundScaled, type Exact } from "./evaluate.js";

/** Where a step was found: a GSM8K calculator annotation `<<a=b>>`, or an equation in the prose. */
export type StepSource = "annotation" | "inline";

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
      readonly kind: "unparsable";
      readonly source: StepSource;
      readonly expression: string;
      readonly claimed: string;
      /** Why there is no verdict: a syntax error, a bound on work, division by zero, a claim that is no number. */
      readonly reason: string;
    };

// A claim written as a plain decimal: its sign, its digits, how many decimals it shows, and a percent sign.
const plainClaim = /^-?(?:\d+(?:\.(\d+))?|\.(\d+))(%?)$/;

function equal(left: Exact, right: Exact): boolean {
  return left.numerator === right.numerator && left.denominator === right.denominator;
}

/** Whether `actual`, rounded to `places` decimals (halves away from zero), is the decimal `claimed`. */
function roundsTo(actual: Exact, claimed: Exact, places: number): boolean {
  const scale = 10n ** BigInt(places);
  // claimed * 10^places must be an integer for the claim to show `places` decimals
  if ((claimed.numerator * scale) % claimed.denominator !== 0n) return false;
  return roundScaled(actual, places) === (claimed.numerator * scale) / claimed.denominator;
}

/**
 * Whether a claimed result agrees with the exact value. The rule:
 *
 * - a claim passes if it equals the exact value (`10/4 = 2.5`, `1/2 = 2/4`);
 * - a claim written as a plain decimal also passes if it is the exact value rounded to the number of
 *   decimals the claim shows, halves away from zero: `50/60 = .83`, `10/3 = 3.33` and `7/2 = 4` pass
 *   (an integer claim shows zero decimals), while `25*3 = 7500`, `10/3 = 3.34` and `10/3 = 3.3333334` fail;
 * - a claim with a percent sign (`20/50 = 40%`, `(30/120)*100 = 25%`) passes if either the value with
 *   the percent (`0.4`) or the bare number (`40`) agrees by the two rules above, since people write both.
 *
 * Returns `null` when the claim is no whitelisted expression.
 *
 * @example
 * claimAgrees({ numerator: 5n, denominator: 6n }, ".83"); // true
 * claimAgrees({ numerator: 75n, denominator: 1n }, "7500"); // false
 */
export function claimAgrees(actual: Exact, claimed: string): boolean | null {
  const claim = evaluate(claimed);
  if (!claim.ok) return null;
  if (equal(actual, claim.value)) return true;
  const plain = plainClaim.exec(claimed.trim());
  if (plain === null) return false;
  const places = (plain[1] ?? plain[2] ?? "").length;
  if (plain[3] === "%") {
    const bare = evaluate(claimed.trim().slice(0, -1));
    if (roundsTo(actual, claim.value, places + 2)) return true;
    return bare.ok && (equal(actual, bare.value) || roundsTo(actual, bare.value, places));
  }
  return roundsTo(actual, claim.value, places);
}

/**
 * Checks one calculation: evaluates `expression` exactly and compares it with `claimed` by the rule of
 * {@link claimAgrees}. Never throws; anything that cannot be evaluated is an `unparsable` verdict.
 *
 * @example
 * checkStep("16-3-4", "9");  // { kind: "checked", expression: "16-3-4", claimed: "9", actual: "9", ok: true, ... }
 * checkStep("25*3", "7500"); // { kind: "checked", ..., actual: "75", ok: false }
 */
export function checkStep(expression: string, claimed: string, source: StepSource = "inline"): StepVerdict {
  const result = evaluate(expression);
  if (!result.ok) return { kind: "unparsable", source, expression, claimed, reason: result.reason };
  const agrees = claimAgrees(result.value, claimed);
  if (agrees === null) {
    return { kind: "unparsable", source, expression, claimed, reason: "the claimed result is not a number" };
  }
  return { kind: "checked", source, expression, claimed, actual: formatExact(result.value), ok: agrees };
}
