import { claimAgrees, type StepSource, type UncheckedCause } from "./check.js";
import { evaluate, type Evaluation } from "./evaluate.js";
import { foldCharacters, plainAmounts } from "./normalize.js";

/** One calculation found in a chain: an expression and the result the text claims for it. */
export interface Calculation {
  readonly source: StepSource;
  readonly expression: string;
  readonly claimed: string;
  /**
   * Set when the calculation was found but cannot be checked, and why: an annotation that is never
   * closed, or the first step past a limit (which stands for the rest of the chain).
   */
  readonly unchecked?: { readonly cause: UncheckedCause; readonly reason: string };
}

/** Bounds on the work of finding calculations in one chain. */
export interface StepLimits {
  /** Characters of the chain that are scanned; the rest is reported as one unchecked calculation. */
  readonly maxCharacters: number;
  /** Calculations returned; the first one past it is reported unchecked, standing for the rest. */
  readonly maxSteps: number;
}

export const defaultStepLimits: StepLimits = { maxCharacters: 200_000, maxSteps: 200 };

// A GSM8K calculator annotation: `<<16-3-4=9>>`.
const annotationPattern = /<<([^<>]*)>>/g;
// A run of characters that can belong to an equation. Matched whole (never backtracking into itself), so
// scanning a line is linear in its length.
const runPattern = /[\d.+\-*/^%()=\s]+/g;
// Two numbers side by side with nothing but spaces between: `1. 3 + 4` (a list number before the sum).
// Parentheses do not count on the left, where `1/2 (68) + 10` is a product, not two expressions.
const juxtapositions = /[\d.%]\s+(?=[\d.])/g;
// On the right, a claim ends where a second number or a parenthesis follows: `= 12 (6 each)`.
const firstJuxtaposition = /[\d.)%]\s+(?=[\d.(])/;
// A number written after `x` or `×`-less multiplication: `2 x 3`, `(4)x5`.
const timesLetter = /(?<=[\d)])\s*[xX]\s*(?=[\d(.])/g;

const spaces = new Set([" ", "\t", "\r", "\f", "\v"]);

/**
 * Drops parentheses that belong to the prose around an equation: `(3 + 4` → `3 + 4`, `7)` → `7`.
 * Index arithmetic rather than repeated slicing or regular expressions, so a hostile segment of
 * 10^5 parentheses costs linear time.
 */
function trimParentheses(segment: string): string {
  let open = 0;
  let close = 0;
  for (const character of segment) {
    if (character === "(") open += 1;
    else if (character === ")") close += 1;
  }
  let start = 0;
  let end = segment.length;
  const skipSpaces = (): void => {
    while (start < end && spaces.has(segment[start] as string)) start += 1;
    while (end > start && spaces.has(segment[end - 1] as string)) end -= 1;
  };
  skipSpaces();
  while (open > close && segment[start] === "(") {
    start += 1;
    open -= 1;
    skipSpaces();
  }
  while (open > close && segment[end - 1] === "(") {
    end -= 1;
    open -= 1;
    skipSpaces();
  }
  while (close > open && segment[end - 1] === ")") {
    end -= 1;
    close -= 1;
    skipSpaces();
  }
  return segment.slice(start, end);
}

const proseEnding = new Set([...spaces, ".", "+", "-", "*", "/", "^", "("]);

/** Drops trailing full stops and dangling operators, which belong to the prose: "= 18." / "= 7 - the rest". */
function trimProseEnding(text: string): string {
  let end = text.length;
  while (end > 0 && proseEnding.has(text[end - 1] as string)) end -= 1;
  return text.slice(0, end);
}

/** The left end of a run: the text after the last pair of side-by-side operands (`1. 3 + 4` → `3 + 4`). */
function leftExpression(segment: string): string {
  let start = 0;
  for (const match of segment.matchAll(juxtapositions)) start = (match.index ?? 0) + match[0].length;
  return trimParentheses(segment.slice(start));
}

/** The right end of a run: the text before the first side-by-side operands, without sentence stops. */
function rightClaim(segment: string): string {
  const match = firstJuxtaposition.exec(segment);
  const text = match === null ? segment : segment.slice(0, match.index + 1);
  return trimParentheses(trimProseEnding(text));
}

/** The leading number or fraction of an expression, with its sign: `7 + 2` → `7`, `1/3*150` → `1/3`. */
function leadingNumber(expression: string): string | null {
  return /^-?\s*(?:\d+(?:\.\d+)?|\.\d+)(?:\s*\/\s*\d+(?:\.\d+)?)?%?/.exec(expression)?.[0].replace(/\s+/g, "") ?? null;
}

function sameValue(left: Evaluation, right: Evaluation): boolean {
  return (
    left.ok &&
    right.ok &&
    left.value.numerator === right.value.numerator &&
    left.value.denominator === right.value.denominator
  );
}

/**
 * The calculations in a chain `s0 = s1 = … = sn` of equal signs. For each `=` whose left side has an
 * operator (so `6 = 6` is no step): the left side, and as the claim the right side. When the right side
 * is itself an expression with another value (`3 + 4 = 7 + 2 = 9`, a running computation rather than a
 * chain of equal values), the claim is its leading number (`7`).
 */
function equationSteps(
  segments: readonly string[],
  source: StepSource,
  completeness: { readonly first: boolean; readonly last: boolean },
  budget: number,
): Calculation[] {
  const steps: Calculation[] = [];
  for (let index = 1; index < segments.length && steps.length < budget; index += 1) {
    if (index === 1 && !completeness.first) continue;
    if (index === segments.length - 1 && !completeness.last) continue;
    // why: a segment between two `=` is the claim of one step and the expression of the next, unless a
    // sentence ends inside it (`3 + 4 = 7. 7 * 2 = 14`): then the claim is its start, the next
    // expression its end
    const expression = leftExpression(segments[index - 1] as string);
    let claimed = rightClaim(segments[index] as string);
    if (expression === "" || claimed === "") {
      // why: an annotation is a calculation by definition, so `<<5*3=>>` is a visible step that claims nothing
      if (source === "annotation") steps.push({ source, expression, claimed });
      continue;
    }
    const left = evaluate(expression);
    if (source === "inline") {
      // why: in prose, text that is no whitelisted arithmetic is not a calculation at all, while an
      // annotation is one by definition, so its syntax errors are verdicts
      if (!left.ok && left.failure === "syntax") continue;
      if (left.ok && left.operators === 0) continue;
    }
    const right = evaluate(claimed);
    if (source === "inline" && !right.ok && right.failure === "syntax") continue;
    if (right.ok && right.operators > 0 && !sameValue(left, right)) claimed = leadingNumber(claimed) ?? claimed;
    steps.push({ source, expression, claimed });
  }
  return steps;
}

// A mixed number: `1 1/2`, `5 and 2/3`, `16 and (2/3)`; the fraction tight and proper, so that
// `12 and 12 / 4` stays two numbers.
const mixedNumber = /(?<![\d./])(\d+)\s+(?:and\s+)?(?:\((\d+)\/(\d+)\)|(\d+)\/(\d+))(?![\d./])/g;
// A fraction divided by: `25 / 1/3`, `3/ 1/4` (the spaces show which slash is the division).
const divisionByFraction = /(\s\/\s*|\/\s+)(\d+(?:\.\d+)?\/\d+(?:\.\d+)?)(?![\d./])/g;

/** Rewrites the prose forms of arithmetic as whitelisted expressions; see {@link findCalculations}. */
function normalizeLine(line: string): string {
  return plainAmounts(line)
    .replace(mixedNumber, (match: string, whole: string, ...parts: (string | undefined)[]) => {
      const numerator = parts[0] ?? parts[2] ?? "";
      const denominator = parts[1] ?? parts[3] ?? "";
      const proper = numerator.length <= 6 && denominator.length <= 6 && Number(numerator) < Number(denominator);
      return proper ? `(${whole}+${numerator}/${denominator})` : match;
    })
    .replace(divisionByFraction, "$1($2)")
    // only before a number: in `12.5% of the cars` the `of` belongs to the prose
    .replace(/%\s*of\s+(?=[\d(.])/gi, "%*")
    .replace(/(\d\s*\/\s*\d+|\))\s+of\s+(?=[\d(.])/gi, "$1*")
    .replace(timesLetter, "*");
}

function inlineSteps(line: string, budget: number): Calculation[] {
  const steps: Calculation[] = [];
  for (const match of line.matchAll(runPattern)) {
    const run = match[0];
    if (!run.includes("=")) continue;
    const start = match.index ?? 0;
    // the run swallows the spaces and full stops before it, so the characters before it are prose
    const before = line.slice(Math.max(0, start - 2), start);
    let offset = 0;
    while (offset < run.length && (/\s/.test(run[offset] as string) || (run[offset] === "." && !/\d/.test(run[offset + 1] ?? "")))) {
      offset += 1;
    }
    const opening = run.slice(offset);
    // why: a run glued to a word or a time (`x-4=6`, `3:30+2=`) starts mid-expression; a run that opens
    // with a binary operator (`eggs - 3 = 13`, `* 3 = 15`) has lost its first operand to the prose
    const glued = offset === 0 && (/[A-Za-z_]$/.test(before) || /\d[:,]$/.test(before));
    const dangling =
      /^[+*/^%)]/.test(opening) ||
      (opening.startsWith("-") && /[A-Za-z_]$/.test(before) && !run.slice(0, offset).includes(".")) ||
      // `8 acres x 3/4 = 6`: a multiplication whose first operand is behind a unit
      (offset > 0 && /(?:^|\s)[xX]$/.test(before));
    // why: a claim that goes on into the prose is algebra or a unit change, not a result: `= 30 + M`
    // (ends on an operator), `= 5A/5` (glued to a one-letter name)
    const closing = run.trimEnd();
    const end = start + run.length;
    const after = line.slice(end, end + 8);
    const unfinished =
      /[+\-*/^]$/.test(closing) ||
      (closing === run && /^[A-Za-z](?![A-Za-z])/.test(after)) ||
      // `$2.50 - $2.24 = 26 cents`: the claim is in another unit
      /^\s*(?:cents?\b|¢)/i.test(after);
    // why: never a split limit, which would drop the equations after it unseen; splitting is linear
    const segments = run.split("=");
    const completeness = { first: !glued && !dangling, last: !unfinished };
    steps.push(...equationSteps(segments, "inline", completeness, budget - steps.length));
    if (steps.length >= budget) break;
  }
  return steps;
}

function annotationSteps(content: string, budget: number): Calculation[] {
  const segments = normalizeLine(content).split("=");
  if (segments.length < 2) return [{ source: "annotation", expression: content.trim(), claimed: "" }];
  return equationSteps(segments, "annotation", { first: true, last: true }, budget);
}

// The result written right after an annotation, as GSM8K does (`<<16-3-4=9>>9`, `<<3*500=1500>>$1,500`):
// a number or fraction, at most one space away, not running on into more digits (`2,920,000,00` is no
// number to compare). Thousands are grouped by commas only: in `<<2400/200=12>>12 200-kilobyte videos`
// the space ends the number.
const writtenResult = /^[ \t]?[$€£¥₹]?(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?%?|-?\.\d+%?)(?![\d,.]?\d)/;

/**
 * A calculation for the written result after an annotation when it contradicts the annotation's final
 * claim (`10-50 = <<10-50=-40>>40`): the claim as the expression, the written number as its claim.
 * `null` when there is no written number or it agrees (`<<7*24=7*20+7*4=140+28=168>>168`).
 */
function writtenContradiction(annotationClaim: string, after: string): Calculation | null {
  const written = writtenResult.exec(after)?.[1]?.replaceAll(",", "");
  if (written === undefined) return null;
  const claim = evaluate(annotationClaim);
  if (!claim.ok || claimAgrees(claim.value, written) !== false) return null;
  return { source: "annotation", expression: annotationClaim, claimed: written };
}

// Characters of an unclosed annotation kept in its step.
const unclosedExcerpt = 100;

function unclosedAnnotation(content: string): Calculation {
  const text = normalizeLine(content.slice(0, unclosedExcerpt));
  const equals = text.indexOf("=");
  return {
    source: "annotation",
    expression: (equals < 0 ? text : text.slice(0, equals)).trim(),
    claimed: equals < 0 ? "" : text.slice(equals + 1).trim(),
    unchecked: { cause: "syntax", reason: "the annotation is not closed with >> (cut off?), so its claim may be incomplete" },
  };
}

/** The calculations of one line with annotations, or `null` when it has none (then it is prose). */
function annotationLine(line: string, budget: number): Calculation[] | null {
  const steps: Calculation[] = [];
  let end = 0;
  for (const annotation of line.matchAll(annotationPattern)) {
    const found = annotationSteps(annotation[1] ?? "", budget - steps.length);
    steps.push(...found);
    end = (annotation.index ?? 0) + annotation[0].length;
    const last = found[found.length - 1];
    if (last !== undefined && steps.length < budget) {
      const contradiction = writtenContradiction(last.claimed, line.slice(end, end + 40));
      if (contradiction !== null) steps.push(contradiction);
    }
    if (steps.length >= budget) return steps;
  }
  if (end === 0) return null;
  const open = unclosedAt(line, end);
  if (open >= 0) steps.push(unclosedAnnotation(line.slice(open + 2)));
  return steps;
}

/**
 * Where a `<<` that is never closed starts, at or after `from`, or -1. Such an annotation (a chain cut
 * off inside one) is a step that cannot be checked, not prose whose `a=b` would be checked on a claim
 * that may be cut short.
 */
function unclosedAt(line: string, from: number): number {
  const open = line.indexOf("<<", from);
  return open >= 0 && !line.includes(">>", open) ? open : -1;
}

/**
 * Finds every calculation in a chain of thought:
 *
 * - GSM8K calculator annotations `<<16-3-4=9>>`; on a line with an annotation, the annotations are the
 *   steps and the visible text (`16 - 3 - 4 = <<16-3-4=9>>9`) is not counted again;
 * - equations in the prose: `30/3=10`, `30 - 4 = 26`, `(26-2)/2=12`, `$2 * 9 = $18`,
 *   `1,200 + 300 = 1,500`, `50% of 80 = 40`, `3/4 of 20 = 15`, `2 x 3 = 6`, `×` and `÷`, full-width
 *   characters, units and Chinese text around them (`30/3=10个`), chains (`16 - 3 - 4 = 9`,
 *   `5*8 + 3*8 = 40 + 24 = 64`).
 *
 * An equation is a calculation when its left side is whitelisted arithmetic with at least one operator.
 * Equations that have lost an operand to the prose (`16 eggs - 3 = 13`) are skipped rather than checked
 * wrongly. An annotation is a calculation whatever it holds: `<<5*3=>>` claims nothing, and one never
 * closed (`<<7*24=16`, cut off) is returned with `unchecked` set. The number written right after an
 * annotation must agree with its final claim: `10-50 = <<10-50=-40>>40` adds the calculation
 * `{ expression: "-40", claimed: "40" }`, while `<<7*24=7*20+7*4=140+28=168>>168` adds nothing.
 *
 * Work is bounded by `limits` (200,000 characters, 200 steps by default), and what lies past a limit
 * is never dropped unseen: the first calculation past the step limit, or one standing for the unread
 * text past the character limit, comes last with `unchecked: { cause: "limit", reason }`.
 *
 * @example
 * findCalculations("She has 16 - 3 - 4 = 9 eggs, worth $2 * 9 = $18.");
 * // [{ source: "inline", expression: "16 - 3 - 4", claimed: "9" }, { ..., expression: "2 * 9", claimed: "18" }]
 */
export function findCalculations(text: string, limits: StepLimits = defaultStepLimits): Calculation[] {
  const read = text.slice(0, limits.maxCharacters);
  const folded = foldCharacters(read);
  // why: one step more than the limit, so a chain with more steps than the limit is told from one with exactly as many
  const steps = scan(folded.slice(0, limits.maxCharacters), limits.maxSteps + 1);
  const beyond = steps[limits.maxSteps];
  if (beyond !== undefined) {
    const reason = `past the limit of ${limits.maxSteps} steps a chain: this step and the rest of the chain were not checked`;
    return [...steps.slice(0, limits.maxSteps), { ...beyond, unchecked: { cause: "limit", reason } }];
  }
  // the text the character limit cut off (before folding, or, rarely, what folding pushed past it)
  const rest = text.length > read.length ? text.slice(read.length) : folded.slice(limits.maxCharacters);
  const restStart = rest.search(/\S/);
  if (restStart >= 0) {
    const limit = limits.maxCharacters.toLocaleString("en");
    const reason = `past the limit of ${limit} characters a chain: the last ${rest.length.toLocaleString("en")} characters were not read`;
    const excerpt = `${rest.slice(restStart, restStart + 40)}…`;
    steps.push({ source: "inline", expression: excerpt, claimed: "", unchecked: { cause: "limit", reason } });
  }
  return steps;
}

function scan(folded: string, budget: number): Calculation[] {
  const steps: Calculation[] = [];
  for (const line of folded.split("\n")) {
    if (line.includes("<<")) {
      const annotated = annotationLine(line, budget - steps.length);
      if (annotated !== null) {
        steps.push(...annotated);
        if (steps.length >= budget) break;
        continue;
      }
    }
    const open = line.includes("<<") ? unclosedAt(line, 0) : -1;
    const prose = open < 0 ? line : line.slice(0, open);
    if (prose.includes("=")) steps.push(...inlineSteps(normalizeLine(prose), budget - steps.length));
    if (open >= 0 && steps.length < budget) steps.push(unclosedAnnotation(line.slice(open + 2)));
    if (steps.length >= budget) break;
  }
  return steps.slice(0, budget);
}
