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
 * then the operator look-alikes NFKC keeps (`×`, `÷`, `−`, `≈`) as ASCII operators (`≈` as `=`, since a
 * rounded claim is checked by the rounding rule anyway), and the LaTeX spellings `\times`, `\cdot`,
 * `\div`, `\frac{a}{b}`, `\$`, `\%`.
 *
 * @example
 * foldCharacters("３×４＝１２"); // "3*4=12"
 */
export function foldCharacters(text: string): string {
  // why: NFKC turns `1¼` into `11⁄4`; a space keeps it the mixed number `1 1/4`
  let folded = text.replace(/(?<=\d)(?=[\u00BC-\u00BE\u2150-\u215E])/g, " ").normalize("NFKC");
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
