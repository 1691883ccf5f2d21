/**
 * An independent exact reference for the tests: BigInt rationals and a small recursive-descent
 * evaluator for `+ - * /`, parentheses and decimals, sharing no code with src/verify.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(n: bigint, d = 1n): Rational {
  if (d === 0n) throw new RangeError("zero denominator");
  const sign = d < 0n ? -1n : 1n;
  const divisor = gcd(n, d) || 1n;
  return { n: (sign * n) / divisor, d: (sign * d) / divisor };
}

export const add = (a: Rational, b: Rational): Rational => rational(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rational(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rational(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational): Rational | null => (b.n === 0n ? null : rational(a.n * b.d, a.d * b.n));
export const equal = (a: Rational, b: { numerator: bigint; denominator: bigint }): boolean =>
  a.n === b.numerator && a.d === b.denominator;

export function pow(base: Rational, exponent: number): Rational | null {
  if (exponent < 0) return base.n === 0n ? null : pow(rational(base.d, base.n), -exponent);
  let result = rational(1n);
  for (let index = 0; index < exponent; index += 1) result = mul(result, base);
  return result;
}

/** A decimal literal (`12`, `-3.25`, `.5`) as a rational. */
export function decimal(text: string): Rational {
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  const [whole = "", fraction = ""] = digits.split(".");
  const value = rational(BigInt(`${whole || "0"}${fraction}`), 10n ** BigInt(fraction.length));
  return negative ? rational(-value.n, value.d) : value;
}

/** Evaluates `+ - * /`, parentheses, unary minus and decimals; `null` on division by zero. */
export function referenceEvaluate(expression: string): Rational | null {
  const tokens = expression.match(/\d+(?:\.\d+)?|\.\d+|[-+*/()]/g) ?? [];
  let position = 0;
  const sum = (): Rational | null => {
    let left = product();
    while (left !== null && (tokens[position] === "+" || tokens[position] === "-")) {
      const operator = tokens[position++];
      const right = product();
      if (right === null) return null;
      left = operator === "+" ? add(left, right) : sub(left, right);
    }
    return left;
  };
  const product = (): Rational | null => {
    let left = unary();
    while (left !== null && (tokens[position] === "*" || tokens[position] === "/")) {
      const operator = tokens[position++];
      const right = unary();
      if (right === null) return null;
      left = operator === "*" ? mul(left, right) : div(left, right);
    }
    return left;
  };
  const unary = (): Rational | null => {
    if (tokens[position] === "-") {
      position += 1;
      const operand = unary();
      return operand === null ? null : rational(-operand.n, operand.d);
    }
    if (tokens[position] === "(") {
      position += 1;
      const inner = sum();
      position += 1; // ")"
      return inner;
    }
    return decimal(tokens[position++] ?? "0");
  };
  return sum();
}

/** Whether `claimed` (a decimal literal) is `actual` rounded, halves away from zero, to its own decimals. */
export function withinRounding(actual: Rational, claimed: string): boolean {
  const places = claimed.includes(".") ? (claimed.split(".")[1] ?? "").length : 0;
  const scale = 10n ** BigInt(places);
  const difference = sub(actual, decimal(claimed));
  const absolute = difference.n < 0n ? -difference.n : difference.n;
  // |actual - claimed| <= 1/2 * 10^-places
  return absolute * 2n * scale <= difference.d;
}
