import type { Exact, ExpressionNode } from "./evaluate.js";

/**
 * What a Python calculator prints: GSM8K's annotations were made with one, and chains copy its output
 * (`<<100/12=8.333333333333334>>`, `<<0.1+0.2=0.30000000000000004>>`). This module evaluates a parsed
 * expression with Python 3's semantics and returns the float, so a claim that equals it, printed as its
 * shortest round-trip string, can be accepted.
 *
 * Python's rules, followed here: a literal without a decimal point is an `int`, with one a `float`
 * (correctly rounded, as JavaScript's `Number`); `int` with `int` stays an exact `int` for `+ - * //`
 * and `**` with a non-negative exponent; `/` always gives a `float`, and `int / int` is the correctly
 * rounded quotient (CPython's `long_true_divide`); anything with a `float` converts the `int` (correctly
 * rounded; too large is Python's `OverflowError`) and works in IEEE-754 binary64; `float // float` is
 * CPython's `float_floor_div`; a power with a float result is taken as the correctly rounded exact power
 * (what glibc's `pow` returns for all but the rarest inputs). The grammar's postfix `%` has no Python
 * meaning; it is read as Python would write it, `x / 100`.
 */
type PythonValue = { readonly type: "int"; readonly value: bigint } | { readonly type: "float"; readonly value: number };

/** Python raised (ZeroDivisionError, OverflowError): there is no printed result. */
class Raised extends Error {}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : (value < 0n ? -value : value).toString(2).length;
}

const view = new DataView(new ArrayBuffer(8));

/**
 * The IEEE-754 double nearest to `numerator / denominator` (denominator > 0), ties to even, with
 * subnormals and overflow to ±Infinity: the correctly rounded conversion Python uses for `int / int`
 * and `float(int)`.
 */
export function nearestDouble(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  // exponent of the leading bit: 2^exponent <= magnitude/denominator < 2^(exponent+1)
  let exponent = bitLength(magnitude) - bitLength(denominator);
  const atLeast = exponent >= 0 ? magnitude >= denominator << BigInt(exponent) : magnitude << BigInt(-exponent) >= denominator;
  if (!atLeast) exponent -= 1;
  if (exponent > 1023) return negative ? -Infinity : Infinity;
  // the unit in the last place: 53 significant bits, or the subnormal step 2^-1074
  const unit = Math.max(exponent - 52, -1074);
  const scaledNumerator = unit >= 0 ? magnitude : magnitude << BigInt(-unit);
  const scaledDenominator = unit >= 0 ? denominator << BigInt(unit) : denominator;
  let mantissa = scaledNumerator / scaledDenominator;
  const twiceRemainder = (scaledNumerator % scaledDenominator) * 2n;
  if (twiceRemainder > scaledDenominator || (twiceRemainder === scaledDenominator && (mantissa & 1n) === 1n)) mantissa += 1n;
  // mantissa * 2^unit, written as bits: a normal number keeps its 52 fraction bits and a biased exponent
  let bits: bigint;
  let exponentBits = unit + 52 + 1023;
  if (mantissa >= 1n << 53n) {
    mantissa >>= 1n;
    exponentBits += 1;
  }
  if (mantissa < 1n << 52n) bits = mantissa; // subnormal (or rounded up into the smallest normal below)
  else {
    if (exponentBits >= 2047) return negative ? -Infinity : Infinity;
    bits = (BigInt(exponentBits) << 52n) | (mantissa - (1n << 52n));
  }
  view.setBigUint64(0, bits);
  const value = view.getFloat64(0);
  return negative ? -value : value;
}

/** The exact rational value of a finite double. */
export function exactDouble(value: number): Exact {
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const exponentBits = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  let numerator = exponent >= 0 ? mantissa << BigInt(exponent) : mantissa;
  let denominator = exponent >= 0 ? 1n : 1n << BigInt(-exponent);
  while (numerator !== 0n && (numerator & 1n) === 0n && denominator > 1n) {
    numerator >>= 1n;
    denominator >>= 1n;
  }
  if (numerator === 0n) denominator = 1n;
  return { numerator: value < 0 ? -numerator : numerator, denominator };
}

function toFloat(value: PythonValue): number {
  if (value.type === "float") return value.value;
  const converted = nearestDouble(value.value, 1n);
  if (!Number.isFinite(converted)) throw new Raised("OverflowError: int too large to convert to float");
  return converted;
}

function floatResult(value: number): PythonValue {
  return { type: "float", value };
}

function floorDiv(left: bigint, right: bigint): bigint {
  const quotient = left / right;
  return (left % right !== 0n) && (left < 0n) !== (right < 0n) ? quotient - 1n : quotient;
}

/** CPython's `float_floor_div` (Objects/floatobject.c), step by step. */
function floatFloorDiv(left: number, right: number): number {
  if (right === 0) throw new Raised("ZeroDivisionError");
  // JavaScript's `%` on numbers is C's fmod: exact, with the sign of the dividend
  let mod = left % right;
  let div = (left - mod) / right;
  if (mod !== 0) {
    if (right < 0 !== mod < 0) {
      mod += right;
      div -= 1;
    }
  }
  if (div === 0) {
    // C's copysign(0.0, left / right)
    const quotient = left / right;
    return quotient < 0 || Object.is(quotient, -0) ? -0 : 0;
  }
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

// Past this many bits an exact power is not worth its cost; Math.pow answers instead.
const maxExactPowerBits = 400_000;

/** `base ** exponent` for a float result, with an integer-valued exponent. */
function floatPower(base: number, exponent: number): number {
  if (!Number.isInteger(exponent)) throw new Raised("non-integer exponent");
  if (base === 0 && exponent < 0) throw new Raised("ZeroDivisionError: 0.0 cannot be raised to a negative power");
  if (exponent === 0) return 1;
  const magnitude = Math.log2(Math.abs(base)) * exponent;
  if (magnitude > 1025) throw new Raised("OverflowError: Numerical result out of range");
  if (magnitude < -1100) return base < 0 && exponent % 2 !== 0 ? -0 : 0;
  const exact = exactDouble(base);
  const size = (bitLength(exact.numerator) + bitLength(exact.denominator)) * Math.abs(exponent);
  if (size > maxExactPowerBits) return Math.pow(base, exponent);
  const power = BigInt(Math.abs(exponent));
  const numerator = exact.numerator ** power;
  const denominator = exact.denominator ** power;
  const result = exponent > 0 ? nearestDouble(numerator, denominator) : nearestDouble(numerator < 0n ? -denominator : denominator, numerator < 0n ? -numerator : numerator);
  if (!Number.isFinite(result)) throw new Raised("OverflowError: Numerical result out of range");
  return result;
}

function divide(left: PythonValue, right: PythonValue): PythonValue {
  if (left.type === "int" && right.type === "int") {
    if (right.value === 0n) throw new Raised("ZeroDivisionError");
    const sign = right.value < 0n ? -1n : 1n;
    const quotient = nearestDouble(sign * left.value, sign * right.value);
    if (!Number.isFinite(quotient)) throw new Raised("OverflowError: integer division result too large for a float");
    return floatResult(quotient);
  }
  const divisor = toFloat(right);
  if (divisor === 0) throw new Raised("ZeroDivisionError");
  return floatResult(toFloat(left) / divisor);
}

const hundred: PythonValue = { type: "int", value: 100n };

function run(node: ExpressionNode): PythonValue {
  switch (node.type) {
    case "number":
      return node.text.includes(".") ? floatResult(Number(node.text)) : { type: "int", value: BigInt(node.text) };
    case "negate": {
      const operand = run(node.operand);
      return operand.type === "int" ? { type: "int", value: -operand.value } : floatResult(-operand.value);
    }
    case "percent":
      return divide(run(node.operand), hundred);
    case "binary": {
      const left = run(node.left);
      const right = run(node.right);
      if (left.type === "int" && right.type === "int") {
        switch (node.operator) {
          case "+":
            return { type: "int", value: left.value + right.value };
          case "-":
            return { type: "int", value: left.value - right.value };
          case "*":
            return { type: "int", value: left.value * right.value };
          case "//":
            if (right.value === 0n) throw new Raised("ZeroDivisionError");
            return { type: "int", value: floorDiv(left.value, right.value) };
          case "/":
            return divide(left, right);
          case "^":
            // why: sizes are safe here, since the exact evaluation of the same tree passed its bounds first
            if (right.value >= 0n) return { type: "int", value: left.value ** right.value };
            return floatResult(floatPower(toFloat(left), toFloat(right)));
        }
      }
      const a = toFloat(left);
      const b = toFloat(right);
      switch (node.operator) {
        case "+":
          return floatResult(a + b);
        case "-":
          return floatResult(a - b);
        case "*":
          return floatResult(a * b);
        case "/":
          return divide(left, right);
        case "//":
          return floatResult(floatFloorDiv(a, b));
        case "^":
          return floatResult(floatPower(a, b));
      }
    }
  }
}

/**
 * The float a Python calculator returns for a parsed expression, or `null` when Python's result is an
 * `int` (then the exact value is what it prints), not finite, or an exception. Call it only on a tree
 * whose exact evaluation succeeded: that bounds the size of its integers.
 *
 * @example
 * pythonFloat(tree("100/12"));   // 8.333333333333334
 * pythonFloat(tree("1.87*9"));   // 16.830000000000002
 * pythonFloat(tree("16-3-4"));   // null (an int)
 */
export function pythonFloat(tree: ExpressionNode): number | null {
  try {
    const result = run(tree);
    return result.type === "float" && Number.isFinite(result.value) ? result.value : null;
  } catch (error) {
    if (error instanceof Raised || error instanceof RangeError) return null;
    throw error;
  }
}

/**
 * The exact value of the shortest decimal that reads back as `value`: what Python's `repr` (and
 * JavaScript's `String`) print, up to notation (`1e-05` and `1e-5`, `1e+16` and `10000000000000000`,
 * `8.0` and `8` are the same value).
 *
 * @example
 * shortestDecimal(0.1 + 0.2); // { numerator: 30000000000000004n, denominator: 100000000000000000n }
 */
export function shortestDecimal(value: number): Exact {
  // JavaScript's Number-to-string is the shortest round-trip string, like Python's repr
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) throw new RangeError(`not a finite number: ${value}`);
  const [, sign, whole, fraction = "", exponentText = "0"] = match;
  const exponent = Number(exponentText) - fraction.length;
  let numerator = BigInt(`${whole}${fraction}`) * (exponent > 0 ? 10n ** BigInt(exponent) : 1n);
  let denominator = exponent < 0 ? 10n ** BigInt(-exponent) : 1n;
  const divisor = gcd(numerator, denominator);
  numerator /= divisor;
  denominator /= divisor;
  return { numerator: sign === "-" ? -numerator : numerator, denominator };
}

function gcd(left: bigint, right: bigint): bigint {
  let a = left < 0n ? -left : left;
  let b = right;
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
