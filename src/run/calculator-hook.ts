import type { ForceHook } from "../backends/backend.js";
import { calculatorResult } from "../verify/index.js";

// `<<expr=` at the very end of the chain, with an expression that is plain arithmetic
const OPEN_ANNOTATION = /<<([^<>=\n]{1,200})=$/;

/**
 * Calculator-assisted decoding, as GSM8K's authors did it: when a chain writes `<<expr=`, the exact
 * evaluator computes `expr` and `result>>` is forced into the chain, so arithmetic slips never enter it.
 * The model still writes the expression (the reasoning) and the result after `>>` (copying).
 */
export const calculatorHook: ForceHook = {
  trigger: "=",
  // why: the decode worker loads this module itself, so forcing a result never stalls the batch
  module: { url: import.meta.url, name: "calculatorHook" },
  complete(chainText: string): string | undefined {
    const match = OPEN_ANNOTATION.exec(chainText);
    if (!match) return undefined;
    const result = calculatorResult(match[1]!);
    return result === null ? undefined : `${result}>>`;
  },
};
