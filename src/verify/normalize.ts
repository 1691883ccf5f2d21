/**
 * Text normalisation shared by the step finder and the answer extractor: the many ways people and models
 * write digits, operators and amounts, reduced to the few the evaluator reads.
 */

// Characters NFKC leaves alone that still mean an ASCII operator.
const operatorLookalikes: ReadonlyArray<readonly [RegExp, string]> = [
  [/[×✕✖⋅∗]/g, "*"],
  [/÷/g, "/"],
  [/−/g, "-"], // U+2212 MINUS SIGN
  [/⁄/g, "/"], // U+2044 FRACTION SLASH, what NFKC makes of `¼`
  [/≈/g, "="],
];

// Decimal digits of any script but ASCII (Arabic-Indic `٣`, Devanagari `३`, …), which NFKC keeps.
const otherDigits = /(?![0-9])\p{Nd}/gu;
const isDecimalDigit = /^\p{Nd}$/u;
const digitValues = new Map<string, string>();

/**
 * The value of a decimal digit: its distance from the zero of its block. Unicode encodes every script's
 * digits 0–9 as one ascending run starting at zero (a stability guarantee), and adjacent runs are whole
 * blocks of ten, so the position in the run of decimal digits, modulo 10, is the value.
 */
function digitValue(digit: string): string {
  const known = digitValues.get(digit);
  if (known !== undefined) return known;
  const code = digit.codePointAt(0) as number;
  let start = code;
  while (start > 0 && isDecimalDigit.test(String.fromCodePoint(start - 1))) start -= 1;
  const value = String((code - start) % 10);
  digitValues.set(digit, value);
  return value;
}

// Arabic number punctuation, and the invisible direction marks right-to-left text puts around numbers.
const numberPunctuation: ReadonlyArray<readonly [RegExp, string]> = [
  [/\u066B/g, "."], // ARABIC DECIMAL SEPARATOR
  [/\u066C/g, ","], // ARABIC THOUSANDS SEPARATOR
  [/\u066A/g, "%"], // ARABIC PERCENT SIGN
  [/[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g, ""],
];

// The few LaTeX spellings models use for arithmetic.
const latexArithmetic: ReadonlyArray<readonly [RegExp, string]> = [
  [/\\d?frac\{([^{}]{0,100})\}\{([^{}]{0,100})\}/g, "(($1)/($2))"],
  [/\\(?:times|cdot)(?![A-Za-z])/g, "*"],
  [/\\div(?![A-Za-z])/g, "/"],
  [/\\(?:left|right)(?![A-Za-z])/g, ""],
  [/\\([$%])/g, "$1"],
  [/\\[,;!]/g, ""],
];

/**
 * Unicode compatibility folding (NFKC: full-width `３０／３＝１０` becomes `30/3=10`, `：` becomes `:`),
 * the decimal digits of other scripts as ASCII digits (Arabic-Indic `٣+٤=٧` becomes `3+4=7`, with the
 * Arabic decimal and thousands separators, percent sign and direction marks), then the operator look-alikes NFKC keeps (`×`, `÷`, `−`, `≈`) as ASCII operators (`≈` as `=`, since a
 * rounded claim is checked by the rounding rule anyway), and the LaTeX spellings `\times`, `\cdot`,
 * `\div`, `\frac{a}{b}`, `\$`, `\%`.
 *
 * @example
 * foldCharacters("３×４＝１２"); // "3*4=12"
 * foldCharacters("٣+٤=٧");    // "3+4=7"
 */
export function foldCharacters(text: string): string {
  // why: NFKC turns `1¼` into `11⁄4`; a space keeps it the mixed number `1 1/4`
  let folded = text.replace(/(?<=\d)(?=[\u00BC-\u00BE\u2150-\u215E])/g, " ").normalize("NFKC");
  // why: plain ASCII, the common case, needs none of the Unicode passes
  if (/[^\x00-\x7F]/.test(folded)) {
    folded = folded.replace(otherDigits, digitValue);
    for (const [pattern, replacement] of numberPunctuation) folded = folded.replace(pattern, replacement);
  }
  if (folded.includes("\\")) {
    for (const [pattern, replacement] of latexArithmetic) folded = folded.replace(pattern, replacement);
  }
  for (const [pattern, replacement] of operatorLookalikes) folded = folded.replace(pattern, replacement);
  // an en dash is a minus only between two numbers ("30 – 4"); elsewhere it is punctuation
  return folded.replace(/(?<=[\d)]\s?)–(?=\s?[\d($])/g, "-");
}

// A number with well-formed thousands groups: `1,200`, `12,000,000.50`, not `1,20` or a list `3,4,5`;
// also groups separated by single spaces, as in `$80 000` and `18 000 watts`.
const groupedNumber = /(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d]|,\d)/g;
const spaceGroupedNumber = /(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d,]|\.\d)/g;

/**
 * Removes thousands separators from well-formed groups (`1,200`, `80 000`) and currency signs, so amounts
 * read as numbers: `$1,200.50` becomes `1200.50`.
 *
 * @example
 * plainAmounts("$2 * 9 = $18, 1,200 + 300 = 1,500"); // "2 * 9 = 18, 1200 + 300 = 1500"
 */
export function plainAmounts(text: string): string {
  return text
    .replace(/[$€£¥₹]/g, "")
    .replace(groupedNumber, (match) => match.replaceAll(",", ""))
    .replace(spaceGroupedNumber, (match) => match.replaceAll(" ", ""));
}
