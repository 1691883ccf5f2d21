import { Fraction } from "mathjs";

/**
 * An exact rational number: `numerator / denominator`, in lowest terms, the sign on the numerator and
 * the denominator always positive.
 */
export interface Exact {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Why an expression has no value: bad syntax, a bound on work was hit, or arithmetic with no answer. */
export type EvaluationFailure = "syntax" | "limit" | "arithmetic";

/** The outcome of {@link evaluate}: a value, or a reason. Never an exception. */
export type Evaluation =
  | {
      readonly ok: true;
      readonly value: Exact;
      /** How many binary operators and percent signs the expression has: `0` for a bare number. */
      readonly operators: number;
    }
  | { readonly ok: false; readonly failure: EvaluationFailure; readonly reason: string };

/** Bounds on the work one expression may cost. Each is checked before the work it bounds. */
export const evaluationLimits = {
  /** Characters in the expression. */
  maxLength: 2_000,
  /** Nesting of parentheses, unary signs and exponents. */
  maxDepth: 200,
  /** Digits in one numeric literal. */
  maxDigits: 300,
  /** Absolute value of an exponent. */
  maxExponent: 10_000,
  /** Bits in the numerator plus the denominator of any intermediate result (about 6,000 decimal digits). */
  maxBits: 20_000,
} as const;

type Token =
  | { readonly type: "number"; readonly text: string }
  | { readonly type: "operator"; readonly text: "+" | "-" | "*" | "/" | "//" | "^" | "%" | "(" | ")" };

/** A parsed expression of the whitelist grammar (see {@link parseExpression}). */
export type ExpressionNode =
  | { readonly type: "number"; readonly text: string }
  | { readonly type: "negate"; readonly operand: ExpressionNode }
  | { readonly type: "percent"; readonly operand: ExpressionNode }
  | {
      readonly type: "binary";
      readonly operator: "+" | "-" | "*" | "/" | "//" | "^";
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
    };

type Node = ExpressionNode;

/** A failure travelling up through the parser or evaluator; caught at the module boundary. */
class Stop extends Error {
  constructor(
    readonly failure: EvaluationFailure,
    message: string,
  ) {
    super(message);
  }
}

// A literal: `12`, `12.5`, `.5`, or `1,200` / `1,200.75` with well-formed thousands groups. Anchored with
// the sticky flag so the tokenizer never scans past the current position.
const numberPattern = /\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|\.\d+/y;
const operatorCharacters = new Set(["+", "-", "*", "/", "^", "%", "(", ")"]);

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < expression.length) {
    const character = expression[position] as string;
    if (character === " " || character === "\t") {
      position += 1;
      continue;
    }
    // why: GSM8K's calculator annotations were written for Python, so `//` (floor division, as in
    // `<<560//10=56>>`) and `**` (power) appear in references and in chains that imitate them
    const pair = expression.slice(position, position + 2);
    if (pair === "//" || pair === "**") {
      tokens.push({ type: "operator", text: pair === "//" ? "//" : "^" });
      position += 2;
      continue;
    }
    if (operatorCharacters.has(character)) {
      tokens.push({ type: "operator", text: character as "+" });
      position += 1;
      continue;
    }
    numberPattern.lastIndex = position;
    const match = numberPattern.exec(expression);
    if (match === null) throw new Stop("syntax", `unexpected character "${character}" at ${position}`);
    const text = match[0].replaceAll(",", "");
    // why: the digit cap bounds the cost of every later BigInt operation on this literal
    if (text.replace(".", "").length > evaluationLimits.maxDigits) {
      throw new Stop("limit", `a number has more than ${evaluationLimits.maxDigits} digits`);
    }
    tokens.push({ type: "number", text });
    position += match[0].length;
  }
  return tokens;
}

/**
 * A recursive-descent parser for the whitelist grammar, lowest precedence first:
 *
 *     sum     := product (("+" | "-") product)*
 *     product := unary (("*" | "/" | "//") unary)*   `//` floors, as in Python
 *     unary   := ("-" | "+") unary | power
 *     power   := postfix ("^" unary)?          right-associative: 2^3^2 = 2^9; -2^2 = -4; `**` = `^`
 *     postfix := primary "%"*                  50% = 1/2
 *     primary := number | "(" sum ")"
 */
class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Node {
    if (this.tokens.length === 0) throw new Stop("syntax", "empty expression");
    const node = this.sum();
    const rest = this.tokens[this.position];
    if (rest !== undefined) throw new Stop("syntax", `unexpected "${rest.text}" after the expression`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isOperator(...texts: string[]): boolean {
    const token = this.peek();
    return token !== undefined && token.type === "operator" && texts.includes(token.text);
  }

  private enter(): void {
    // why: bounds the recursion, so 10^4 nested parentheses cannot overflow the stack
    this.depth += 1;
    if (this.depth > evaluationLimits.maxDepth) {
      throw new Stop("limit", `nesting deeper than ${evaluationLimits.maxDepth}`);
    }
  }

  private sum(): Node {
    let left = this.product();
    while (this.isOperator("+", "-")) {
      const operator = (this.tokens[this.position++] as Token).text as "+" | "-";
      left = { type: "binary", operator, left, right: this.product() };
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    while (this.isOperator("*", "/", "//")) {
      const operator = (this.tokens[this.position++] as Token).text as "*" | "/" | "//";
      left = { type: "binary", operator, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOperator("-", "+")) {
      const sign = (this.tokens[this.position++] as Token).text;
      this.enter();
      const operand = this.unary();
      this.depth -= 1;
      return sign === "-" ? { type: "negate", operand } : operand;
    }
    return this.power();
  }

  private power(): Node {
    const base = this.postfix();
    if (!this.isOperator("^")) return base;
    this.position += 1;
    this.enter();
    const exponent = this.unary();
    this.depth -= 1;
    return { type: "binary", operator: "^", left: base, right: exponent };
  }

  private postfix(): Node {
    let node = this.primary();
    while (this.isOperator("%")) {
      this.position += 1;
      node = { type: "percent", operand: node };
    }
    return node;
  }

  private primary(): Node {
    const token = this.peek();
    if (token === undefined) throw new Stop("syntax", "the expression ends too early");
    if (token.type === "number") {
      this.position += 1;
      return token;
    }
    if (token.text === "(") {
      this.position += 1;
      this.enter();
      const inner = this.sum();
      this.depth -= 1;
      if (!this.isOperator(")")) throw new Stop("syntax", "unclosed parenthesis");
      this.position += 1;
      return inner;
    }
    throw new Stop("syntax", `unexpected "${token.text}"`);
  }
}

function bitLength(value: bigint): number {
  // why: hex digits are a cheap upper bound on the bit length, good enough for a size cap
  return (value < 0n ? -value : value).toString(16).length * 4;
}

function size(value: Fraction): number {
  return bitLength(value.n) + bitLength(value.d);
}

function bounded(value: Fraction): Fraction {
  if (size(value) > evaluationLimits.maxBits) throw new Stop("limit", "too large");
  return value;
}

const hundred = new Fraction(100n);
const one = new Fraction(1n);

/**
 * How a percent sign is read. `hundredths`, the plain reading, everywhere: `50%` is `1/2`. The other two
 * are the conventions people write percent arithmetic in, used only to recognise such steps (see
 * `checkStep`): `points` drops every percent sign (`20% + 5 = 25`, percentage points); `change` reads
 * `a + b%` and `a - b%` as a pocket calculator does, `a * (1 ± b/100)` (`80 + 25% = 100`).
 */
export type PercentReading = "hundredths" | "points" | "change";

function compute(node: Node, reading: PercentReading): Fraction {
  switch (node.type) {
    case "number":
      return new Fraction(node.text);
    case "negate":
      return compute(node.operand, reading).neg();
    case "percent":
      return reading === "points" ? compute(node.operand, reading) : compute(node.operand, reading).div(hundred);
    case "binary": {
      const left = compute(node.left, reading);
      if (reading === "change" && isPercentChange(node)) {
        const rate = compute((node.right as { readonly operand: Node }).operand, reading).div(hundred);
        return bounded(left.mul(node.operator === "+" ? one.add(rate) : one.sub(rate)));
      }
      const right = compute(node.right, reading);
      switch (node.operator) {
        case "+":
          return bounded(left.add(right));
        case "-":
          return bounded(left.sub(right));
        case "*":
          return bounded(left.mul(right));
        case "/":
          if (right.n === 0n) throw new Stop("arithmetic", "division by zero");
          return bounded(left.div(right));
        case "//":
          if (right.n === 0n) throw new Stop("arithmetic", "division by zero");
          return bounded(left.div(right).floor());
        case "^":
          return power(left, right);
      }
    }
  }
}

/**
 * `a + b%` or `a - b%` where `a` holds no percent: a percent added to an amount (`80 + 25%`). When `a`
 * is itself a percentage (`100% - 20% - 25%`), the percents are shares of one whole and there is only
 * the plain reading.
 */
function isPercentChange(node: Node): boolean {
  return (
    node.type === "binary" &&
    (node.operator === "+" || node.operator === "-") &&
    node.right.type === "percent" &&
    !containsPercent(node.left)
  );
}

function containsPercent(node: Node): boolean {
  switch (node.type) {
    case "number":
      return false;
    case "percent":
      return true;
    case "negate":
      return containsPercent(node.operand);
    case "binary":
      return containsPercent(node.left) || containsPercent(node.right);
  }
}

/** Whether an expression adds a percent to an amount anywhere (`80 + 25%`, `25 - 1 - 20% - 2`). */
export function hasPercentChange(node: ExpressionNode): boolean {
  switch (node.type) {
    case "number":
      return false;
    case "negate":
    case "percent":
      return hasPercentChange(node.operand);
    case "binary":
      return isPercentChange(node) || hasPercentChange(node.left) || hasPercentChange(node.right);
  }
}

function power(base: Fraction, exponent: Fraction): Fraction {
  // why: a rational power of a rational is usually irrational; only integer exponents stay exact
  if (exponent.d !== 1n) throw new Stop("arithmetic", "non-integer exponent");
  if (base.n === 0n && exponent.s < 0n && exponent.n !== 0n) throw new Stop("arithmetic", "division by zero");
  // 0, 1 and -1 to any integer power are small, whatever the exponent (0^0 is taken as 1)
  if (exponent.n === 0n) return new Fraction(1n);
  if (base.n === 0n) return base;
  if (base.n === 1n && base.d === 1n) return base.s < 0n && exponent.n % 2n === 1n ? new Fraction(-1n) : new Fraction(1n);
  if (exponent.n > BigInt(evaluationLimits.maxExponent)) throw new Stop("limit", "too large");
  // why: checked before the work, so 9^9^9^9 is refused without computing a single power
  if (size(base) * Number(exponent.n) > evaluationLimits.maxBits + 64) throw new Stop("limit", "too large");
  return bounded(base.pow(exponent));
}

function countOperators(node: Node): number {
  switch (node.type) {
    case "number":
      return 0;
    case "negate":
      return countOperators(node.operand);
    case "percent":
      return 1 + countOperators(node.operand);
    case "binary":
      return 1 + countOperators(node.left) + countOperators(node.right);
  }
}

/**
 * Evaluates an arithmetic expression exactly, with rational numbers (mathjs fractions), through a
 * whitelist: numbers (`12`, `12.5`, `.5`, `1,200`), `+ - * / ^`, a postfix `%` (`50%` is `1/2`),
 * unary signs and parentheses — nothing else, but Python's `//` (floor division) and `**` (power),
 * which GSM8K's calculator annotations use. The text is tokenized and parsed here; mathjs only ever
 * sees the numbers of the parsed tree, so no name, function or assignment in model text reaches it.
 *
 * Work is bounded by {@link evaluationLimits}: long texts, deep nesting, long literals and huge powers
 * come back as `{ ok: false, failure: "limit" }` in milliseconds. Never throws.
 *
 * @example
 * evaluate("(26-2)/2");  // { ok: true, value: { numerator: 12n, denominator: 1n }, operators: 2 }
 * evaluate("9^9^9^9");   // { ok: false, failure: "limit", reason: "too large" }
 * evaluate("2 + x");     // { ok: false, failure: "syntax", reason: 'unexpected character "x" at 4' }
 */
export function evaluate(expression: string): Evaluation {
  const parsed = parseExpression(expression);
  return parsed.ok ? evaluateTree(parsed.tree) : parsed;
}

/**
 * Parses an expression of the whitelist grammar of {@link evaluate} into its tree, within the same
 * bounds. Never throws.
 */
export function parseExpression(
  expression: string,
): { readonly ok: true; readonly tree: ExpressionNode } | { readonly ok: false; readonly failure: EvaluationFailure; readonly reason: string } {
  if (expression.length > evaluationLimits.maxLength) {
    return { ok: false, failure: "limit", reason: `longer than ${evaluationLimits.maxLength} characters` };
  }
  return guarded(() => ({ ok: true, tree: new Parser(tokenize(expression)).parse() }));
}

/** The exact value of a parsed expression, with its percent signs read as `reading` says. Never throws. */
export function evaluateTree(tree: ExpressionNode, reading: PercentReading = "hundredths"): Evaluation {
  return guarded(() => {
    const value = compute(tree, reading);
    // fraction.js keeps the sign apart; fold it into the numerator
    const numerator = value.s < 0n ? -value.n : value.n;
    return { ok: true, value: { numerator, denominator: value.d }, operators: countOperators(tree) };
  });
}

function guarded<T>(work: () => T): T | { readonly ok: false; readonly failure: EvaluationFailure; readonly reason: string } {
  try {
    return work();
  } catch (error) {
    if (error instanceof Stop) return { ok: false, failure: error.failure, reason: error.message };
    // why: the module promises verdicts, not exceptions (e.g. a RangeError from an engine limit)
    return { ok: false, failure: "limit", reason: error instanceof Error ? error.message : String(error) };
  }
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** Whether `denominator` has no prime factors but 2 and 5, so the decimal expansion terminates. */
function terminates(denominator: bigint): { terminates: boolean; places: number } {
  let rest = denominator;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) {
    rest /= 2n;
    twos += 1;
  }
  while (rest % 5n === 0n) {
    rest /= 5n;
    fives += 1;
  }
  return { terminates: rest === 1n, places: Math.max(twos, fives) };
}

/** Rounds `value` to `places` decimals, halves away from zero, as a scaled integer (`value * 10^places`). */
export function roundScaled(value: Exact, places: number): bigint {
  const scale = 10n ** BigInt(places);
  const scaled = absolute(value.numerator) * scale;
  const quotient = scaled / value.denominator;
  const remainder = scaled % value.denominator;
  const rounded = remainder * 2n >= value.denominator ? quotient + 1n : quotient;
  return value.numerator < 0n ? -rounded : rounded;
}

function decimalString(scaled: bigint, places: number): string {
  const negative = scaled < 0n;
  const digits = absolute(scaled).toString().padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, "");
  const text = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return negative && text !== "0" ? `-${text}` : text;
}

/** Decimals shown for a fraction whose decimal expansion does not terminate. */
export const repeatingPlaces = 4;

/**
 * Formats an exact value as a decimal string. A terminating fraction is written in full (`3/10` →
 * `"0.3"`, `10` → `"10"`, `-5/2` → `"-2.5"`); one that does not terminate is rounded to
 * {@link repeatingPlaces} (4) decimals, halves away from zero, trailing zeros dropped (`2/3` → `"0.6667"`).
 *
 * @example
 * formatExact({ numerator: -5n, denominator: 2n }); // "-2.5"
 */
export function formatExact(value: Exact): string {
  const { terminates: exact, places } = terminates(value.denominator);
  if (exact) return decimalString((value.numerator * 10n ** BigInt(places)) / value.denominator, places);
  return decimalString(roundScaled(value, repeatingPlaces), repeatingPlaces);
}

/**
 * The result a calculator would show for the text between `<<` and `=` of a GSM8K-style annotation,
 * as {@link formatExact} writes it, or `null` when the text is not a whitelisted expression or its value
 * is out of bounds. Used by calculator-assisted decoding.
 *
 * @example
 * calculatorResult("16-3-4"); // "9"
 * calculatorResult("10/4");   // "2.5"
 * calculatorResult("1/0");    // null
 */
export function calculatorResult(expression: string): string | null {
  const result = evaluate(expression);
  return result.ok ? formatExact(result.value) : null;
}
