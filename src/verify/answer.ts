import { evaluate, formatExact } from "./evaluate.js";
import { foldCharacters, plainAmounts } from "./normalize.js";

/** Options of {@link extractAnswer}. */
export interface AnswerOptions {
  /** When no answer marker is found, take the last number in the text. Default `true`. */
  readonly fallback?: boolean;
}

// Characters of a chain that are searched for an answer; the rest is ignored.
const maxCharacters = 200_000;

// A number as written in prose, after currency signs and thousands separators are gone: `-12.5`, `.5`,
// `3/4`. A minus is a sign only where it cannot be a hyphen or a subtraction (`3-4`, `ages 3-4`).
const numberSource = /(?<![\d.])(?:(?<![\w)])-)?(?:\d+(?:\.\d+)?|\.\d+)(?:\s?\/\s?\d+(?:\.\d+)?)?/.source;
// Two copies, because `matchAll` starts from the `lastIndex` a global `exec` left behind.
const firstNumberPattern = new RegExp(numberSource);
const numberPattern = new RegExp(numberSource, "g");

// Phrases that introduce a final answer: "The answer is 18", "Answer: 18", "答案是 18", "答案：18".
const answerPhrase = /answer\s*(?:is|:|=)|答案\s*(?:是|为|為|:)/gi;

function firstNumber(text: string): string | null {
  const match = firstNumberPattern.exec(text);
  return match === null ? null : normalizeNumber(match[0]);
}

function normalizeNumber(token: string): string | null {
  const value = evaluate(token.replace(/\s/g, ""));
  return value.ok ? formatExact(value.value) : null;
}

/**
 * Writes a number the way answers are compared: currency signs, thousands separators, trailing zeros,
 * units and full stops dropped, fractions as decimals (see `formatExact`). `null` when the text holds
 * no number.
 *
 * @example
 * normalizeAnswer("$1,000.00"); // "1000"
 * normalizeAnswer("3/4");       // "0.75"
 * normalizeAnswer("12.0 cm.");  // "12"
 */
export function normalizeAnswer(text: string): string | null {
  return firstNumber(plainAmounts(foldCharacters(text.slice(0, 1_000))));
}

/** The content of the last `\boxed{…}`, braces balanced, or `null`. */
function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf("\\boxed{");
  if (start < 0) return null;
  let depth = 0;
  const from = start + "\\boxed{".length;
  // why: a bound on the scan, so an unclosed brace in a long text costs little
  for (let index = from; index < Math.min(text.length, from + 1_000); index += 1) {
    const character = text[index];
    if (character === "{") depth += 1;
    else if (character === "}") {
      if (depth === 0) return text.slice(from, index);
      depth -= 1;
    }
  }
  return null;
}

function boxedAnswer(content: string): string | null {
  const plain = plainAmounts(content).replace(/\\text\{[^{}]*\}|\\[a-zA-Z]+/g, " ").replace(/%/g, " ").trim();
  // a boxed arithmetic expression (`\frac{3}{4}`, folded to `((3)/(4))`) is its value
  const value = evaluate(plain);
  return value.ok ? formatExact(value.value) : firstNumber(plain);
}

/**
 * Extracts the final answer of a chain, normalised by {@link normalizeAnswer}. Markers, strongest first;
 * within one kind the last occurrence that holds a number wins:
 *
 * 1. `#### 18` (GSM8K references);
 * 2. `\boxed{18}`;
 * 3. `The answer is 18`, `Answer: 18`, `答案是 18`, `答案：18`: the first number of the sentence after the
 *    phrase, or the result of an equation there (`The answer is 90 / 2 = 45.`); a question is skipped;
 * 4. fallback, unless `{ fallback: false }`: the last number in the text.
 *
 * `null` when there is no answer.
 *
 * @example
 * extractAnswer("So she makes 9 * 2 = $18 every day. The answer is $18."); // "18"
 * extractAnswer("She sells 9 eggs.", { fallback: false });                    // null
 */
export function extractAnswer(text: string, options: AnswerOptions = {}): string | null {
  const folded = foldCharacters(text.slice(0, maxCharacters));
  const line = answerLineOf(folded);
  if (line !== undefined) {
    const answer = firstNumber(plainAmounts(line));
    if (answer !== null) return answer;
  }
  const boxed = lastBoxed(folded);
  if (boxed !== null) {
    const answer = boxedAnswer(boxed);
    if (answer !== null) return answer;
  }
  const phrases = [...folded.matchAll(answerPhrase)];
  for (let index = phrases.length - 1; index >= 0; index -= 1) {
    const phrase = phrases[index] as RegExpExecArray;
    const answer = phraseAnswer(lineFrom(folded, phrase.index + phrase[0].length));
    if (answer !== null) return answer;
  }
  if (options.fallback === false) return null;
  let last: string | null = null;
  for (const match of plainAmounts(folded).matchAll(numberPattern)) last = match[0];
  return last === null ? null : normalizeNumber(last);
}

/**
 * The answer in the sentence after an answer phrase: its first number, or, when the sentence is an
 * equation (`The answer is (4.67 + 12) / 2 = 7.33.`), the first number after its last `=`. A question
 * (`Final Answer: How many eggs are left?`, the last sub-question of least-to-most prompting) holds none.
 */
function phraseAnswer(line: string): string | null {
  // the sentence ends at a full stop that is no decimal point
  const stop = /\.(?!\d)|[!?;]/.exec(line);
  const sentence = stop === null ? line : line.slice(0, stop.index + 1);
  if (sentence.trimEnd().endsWith("?")) return null;
  const equals = sentence.lastIndexOf("=");
  return firstNumber(plainAmounts(equals < 0 ? sentence : sentence.slice(equals + 1)));
}

/**
 * The text of a GSM8K answer line: what follows the last `####`, to the end of its line (digits of other
 * scripts folded). `undefined` when there is no `####`. The one place that reads the marker: gold
 * solutions (`problems/`) and chains both go through it.
 *
 * @example
 * answerLine("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18"); // " 18"
 */
export function answerLine(text: string): string | undefined {
  return answerLineOf(foldCharacters(text.slice(0, maxCharacters)));
}

function answerLineOf(folded: string): string | undefined {
  const hashes = folded.lastIndexOf("####");
  return hashes < 0 ? undefined : lineFrom(folded, hashes + 4);
}

/** The rest of the line from `start`, at most 200 characters. */
function lineFrom(text: string, start: number): string {
  const end = text.indexOf("\n", start);
  return text.slice(start, Math.min(end < 0 ? text.length : end, start + 200));
}
