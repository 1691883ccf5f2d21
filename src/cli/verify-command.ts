import { once } from "node:events";
import { z } from "zod";
import { InputError } from "../errors.js";
import { readJsonLines } from "../problems/read-json-lines.js";
import { verifyChain } from "../verify/index.js";

// A line holds a chain in `text`, or is a GSM8K record whose `answer` is the reference chain.
const chainLine = z.union([z.object({ text: z.string() }), z.object({ answer: z.string() })]);

/** One output line of `cot-sc verify`. */
export interface VerifiedLine {
  readonly steps: Array<{
    readonly expression: string;
    readonly claimed: string;
    /** The exact value, or `null` when the step could not be evaluated (then `reason` says why). */
    readonly actual: string | null;
    readonly ok: boolean;
    readonly reason?: string;
  }>;
  readonly answer: string | null;
  readonly verified: boolean;
}

/** Verifies one chain and shapes the verdict as an output line. */
export function verifiedLine(text: string): VerifiedLine {
  const verdict = verifyChain(text);
  return {
    steps: verdict.steps.map((step) =>
      step.kind === "checked"
        ? { expression: step.expression, claimed: step.claimed, actual: step.actual, ok: step.ok }
        : { expression: step.expression, claimed: step.claimed, actual: null, ok: false, reason: step.reason },
    ),
    answer: verdict.answer,
    verified: verdict.verified,
  };
}

/**
 * `cot-sc verify <file.jsonl>`: reads the file as a stream, one JSON object a line, with the chain in
 * `text` (or a GSM8K record, whose `answer` is the chain), and writes one line per input line, in the
 * same order: `{ "steps": [{ "expression", "claimed", "actual", "ok" }], "answer", "verified" }`.
 * Blank lines are skipped. A file that cannot be read, a line that is no JSON, or one with neither field
 * is an {@link InputError} naming the file, the line and the field.
 *
 * @example
 * const { lines } = await verifyCommand("chains.jsonl", process.stdout);
 */
export async function verifyCommand(file: string, output: NodeJS.WritableStream): Promise<{ lines: number }> {
  let lines = 0;
  for await (const { line, value, error } of readJsonLines(file)) {
    if (error !== undefined) throw error;
    const parsed = chainLine.safeParse(value);
    if (!parsed.success) {
      throw new InputError('expected a string in "text" (or a GSM8K record\'s "answer")', file, line, "text", {
        cause: parsed.error,
      });
    }
    const text = "text" in parsed.data ? parsed.data.text : parsed.data.answer;
    // why: honour backpressure, so a large file does not pile up in memory behind a slow output
    if (!output.write(`${JSON.stringify(verifiedLine(text))}\n`)) await once(output, "drain");
    lines += 1;
  }
  return { lines };
}
