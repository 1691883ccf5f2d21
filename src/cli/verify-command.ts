import { once } from "node:events";
import { z } from "zod";
import { InputError } from "../errors.js";
import { readJsonLines } from "../problems/read-json-lines.js";
import { verifyChain, type ChainStatus } from "../verify/index.js";
import { isResultsHeader } from "./results-file.js";

// The shapes a line may have: a chain in `text`; a GSM8K record, whose `answer` is the reference chain;
// a line of `cot-sc run --out` (`id` and `chains`) or the output of `cot-sc sample --json` (`chains`),
// whose every chain is checked. A results line also has an `answer` (the voted one), which is no chain:
// `chains` is looked at first.
const chainsLine = z.object({
  id: z.string().optional(),
  chains: z.array(z.object({ index: z.number().int().optional(), text: z.string() })),
});
const chainLine = z.union([z.object({ text: z.string() }), z.object({ answer: z.string() })]);

/** One output line of `cot-sc verify`. */
export interface VerifiedLine {
  /** The input line the chain was read from. */
  readonly line: number;
  /** For a results line: the problem's id. */
  readonly id?: string;
  /** For a results or `sample --json` line: the chain's index among its chains. */
  readonly chain?: number;
  readonly steps: Array<{
    readonly expression: string;
    readonly claimed: string;
    /** The exact value, or `null` when the step could not be checked (then `reason` says why). */
    readonly actual: string | null;
    readonly ok: boolean;
    /** For an unchecked step: syntax, arithmetic, limit or skipped (see `UncheckedCause`). */
    readonly cause?: string;
    readonly reason?: string;
  }>;
  readonly answer: string | null;
  /** `verified`, `wrong`, `partial` (nothing wrong, something unchecked) or `none` (no steps). */
  readonly status: ChainStatus;
  /** `status === "verified"`. */
  readonly verified: boolean;
}

/** Verifies one chain and shapes the verdict as an output line. */
export function verifiedLine(text: string, where: { line: number; id?: string; chain?: number }): VerifiedLine {
  const verdict = verifyChain(text);
  return {
    ...where,
    steps: verdict.steps.map((step) =>
      step.kind === "checked"
        ? { expression: step.expression, claimed: step.claimed, actual: step.actual, ok: step.ok }
        : { expression: step.expression, claimed: step.claimed, actual: null, ok: false, cause: step.cause, reason: step.reason },
    ),
    answer: verdict.answer,
    status: verdict.status,
    verified: verdict.verified,
  };
}

/**
 * `cot-sc verify <file.jsonl | ->`: reads the file (or, for `-`, `input`: standard input) as a stream,
 * one JSON object a line, and writes one verdict line per chain, in order:
 * `{ "line", "steps": [{ "expression", "claimed", "actual", "ok" }], "answer", "status", "verified" }`.
 * A line holds a chain in `text`, a GSM8K record (its `answer` is the chain), a line of
 * `cot-sc run --out` (each of its chains is checked, with `id` and `chain` in the verdict; the file's
 * settings header is skipped) or the output of `cot-sc sample --json` (each chain, with `chain`).
 * Blank lines are skipped. A file that cannot be read, a line that is no JSON, or one of no known shape
 * is an {@link InputError} naming the file, the line and the field.
 *
 * @example
 * const { lines, chains } = await verifyCommand("results.jsonl", process.stdout);
 */
export async function verifyCommand(
  file: string,
  output: NodeJS.WritableStream,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<{ lines: number; chains: number }> {
  const name = file === "-" ? "(standard input)" : file;
  let lines = 0;
  let chains = 0;
  const write = async (verdict: VerifiedLine): Promise<void> => {
    chains += 1;
    // why: honour backpressure, so a large file does not pile up in memory behind a slow output
    if (!output.write(`${JSON.stringify(verdict)}\n`)) await once(output, "drain");
  };
  for await (const { line, value, error } of readJsonLines(name, file === "-" ? input : undefined)) {
    if (error !== undefined) throw error;
    lines += 1;
    if (isResultsHeader(value)) continue;
    if (typeof value === "object" && value !== null && "chains" in value) {
      const parsed = chainsLine.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue === undefined ? "chains" : issue.path.join(".");
        throw new InputError(`expected "chains" to be a list of {"text": string}: ${issue?.message ?? "invalid"}`, name, line, field, {
          cause: parsed.error,
        });
      }
      for (const [position, chain] of parsed.data.chains.entries()) {
        const id = parsed.data.id;
        await write(verifiedLine(chain.text, { line, ...(id === undefined ? {} : { id }), chain: chain.index ?? position }));
      }
      continue;
    }
    const parsed = chainLine.safeParse(value);
    if (!parsed.success) {
      throw new InputError(
        'expected a chain in "text", a GSM8K record\'s "answer", a cot-sc results line or sample --json output ("chains")',
        name,
        line,
        "text",
        { cause: parsed.error },
      );
    }
    await write(verifiedLine("text" in parsed.data ? parsed.data.text : parsed.data.answer, { line }));
  }
  return { lines, chains };
}
