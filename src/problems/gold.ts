import { answerLine, formatExact } from "../verify/index.js";

/**
 * Normalises a gold answer to a canonical numeric string, so that "18", "18.0", "$18" and 18 compare equal.
 * Returns `null` when the value is not a plain number (after stripping `$`, `%`, commas and spaces).
 * Deliberately minimal: the chain answer extractor (src/verify) is separate and more forgiving.
 *
 * @example
 * normaliseGold("$1,234.50"); // "1234.5"
 * normaliseGold(51.0);        // "51"
 * normaliseGold("about 3");   // null
 */
export function normaliseGold(value: string | number): string | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // Why not String() alone: String(1e21) is "1e+21" and String(1e-7) is "1e-7", which no chain writes.
    const text = Number.isInteger(value) ? BigInt(value).toString() : Math.abs(value) < 1e-6 ? value.toFixed(20) : String(value);
    return canonicalDecimal(text);
  }
  const stripped = value
    .trim()
    .replace(/^\$\s*|\s*\$$/g, "")
    .replace(/(\d),(?=\d{3}\b)/g, "$1")
    .replace(/\s*%$/, "")
    .replace(/\.$/, "");
  return canonicalDecimal(stripped);
}

/**
 * A plain decimal ("007.50", "-0", "+3", ".5") written the way every answer is compared, by the
 * verifier's own {@link formatExact} ("7.5", "0", "3", "0.5"); anything that is not a decimal → null.
 */
function canonicalDecimal(text: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (match === null) return null;
  const [, sign = "", integerDigits = "", fractionDigits = ""] = match;
  if (integerDigits === "" && fractionDigits === "") return null;
  const digits = BigInt(`${integerDigits}${fractionDigits}` || "0");
  return formatExact({ numerator: sign === "-" ? -digits : digits, denominator: 10n ** BigInt(fractionDigits.length) });
}

/**
 * The final answer of a GSM8K-style solution: its answer line (the verifier's {@link answerLine}), normalised.
 * Returns `undefined` when the solution has no `####` line.
 *
 * @example
 * goldFromSolution("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18"); // "18"
 */
export function goldFromSolution(solution: string): string | null | undefined {
  const line = answerLine(solution);
  return line === undefined ? undefined : normaliseGold(line);
}
