import { z } from "zod";
import { goldFromSolution, normaliseGold } from "./gold.js";
import type { Problem } from "./problem.js";
import { recordedProblemSchema } from "./recorded-chains.js";

/** The problem-set formats cot-sc reads; `readProblems` detects them from the extension and first record. */
export type ProblemFormatName = "jsonl" | "gsm8k" | "svamp" | "recorded-chains";

/** An answer as problem files write it, normalised: absent or null means the problem has no gold answer. */
function goldFromAnswer(answer: number | string | null | undefined): string | null {
  if (answer === undefined || answer === null) return null;
  return typeof answer === "number" ? normaliseGold(answer) : (goldFromSolution(answer) ?? normaliseGold(answer));
}

/** A number, a numeric string, or a GSM8K solution ending `#### n`. */
const answerSchema = z
  .union([z.number(), z.string(), z.null()])
  .optional()
  .superRefine((answer, context) => {
    if (answer === undefined || answer === null || goldFromAnswer(answer) !== null) return;
    context.addIssue({
      code: "custom",
      message: `expected a number, a numeric string or a solution ending "#### n", got ${JSON.stringify(answer).slice(0, 60)}`,
    });
  });

const jsonlSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]).optional(),
  question: z.string().min(1),
  answer: answerSchema,
});

const gsm8kSchema = z.looseObject({
  question: z.string().min(1),
  answer: z.string().refine((answer) => goldFromSolution(answer) != null, 'expected a solution ending "#### n"'),
});

const svampSchema = z.looseObject({
  ID: z.union([z.string().min(1), z.number().int()]),
  Body: z.string(),
  Question: z.string().min(1),
  Answer: z.number(),
});

/** The fields other than `known`, or nothing when there are none (so `meta` stays absent). */
function metaOf(record: Record<string, unknown>, known: readonly string[]): { meta?: Record<string, unknown> } {
  const meta = Object.fromEntries(Object.entries(record).filter(([key]) => !known.includes(key)));
  return Object.keys(meta).length === 0 ? {} : { meta };
}

/** How one record of a format becomes a Problem; `position` is the 1-based line (JSONL) or array index + 1 (SVAMP). */
export interface ProblemFormat {
  readonly name: ProblemFormatName;
  readonly schema: z.ZodType;
  toProblem(record: never, position: number): Problem;
}

function format<Schema extends z.ZodType>(
  name: ProblemFormatName,
  schema: Schema,
  toProblem: (record: z.output<Schema>, position: number) => Problem,
): ProblemFormat {
  return { name, schema, toProblem: toProblem as (record: never, position: number) => Problem };
}

/** Every format, by name. */
export const problemFormats: Readonly<Record<ProblemFormatName, ProblemFormat>> = {
  jsonl: format("jsonl", jsonlSchema, (record, line) => ({
    id: record.id === undefined ? `line-${line}` : String(record.id),
    question: record.question,
    gold: goldFromAnswer(record.answer),
    ...metaOf(record, ["id", "question", "answer"]),
  })),
  gsm8k: format("gsm8k", gsm8kSchema, (record, line) => ({
    id: `gsm8k-${line}`,
    question: record.question,
    gold: goldFromAnswer(record.answer),
    // Why keep the worked solution: reports show it beside the model's chains.
    meta: { ...metaOf(record, ["question", "answer"]).meta, solution: record.answer },
  })),
  svamp: format("svamp", svampSchema, (record) => ({
    id: String(record.ID),
    // Why a plain space: SVAMP's own convention (and the self-consistency paper's) for the prompt text.
    question: `${record.Body.trim()} ${record.Question.trim()}`.trim(),
    gold: normaliseGold(record.Answer),
    ...metaOf(record, ["ID", "Body", "Question", "Answer"]),
  })),
  "recorded-chains": format("recorded-chains", recordedProblemSchema, (record) => ({
    id: String(record.id),
    question: record.question,
    gold: record.gold === null ? null : normaliseGold(record.gold),
    // Why drop `chains`: they are the replay backend's business and would make every Problem heavy.
    ...metaOf(record, ["id", "question", "gold", "chains"]),
  })),
};

/**
 * Guesses a JSONL file's format from its first record: recorded chains carry `chains`, GSM8K records are
 * exactly `{question, answer}` with a `####` solution, anything else is the plain `{id, question, answer}`.
 *
 * @example
 * detectJsonlFormat({ question: "...", answer: "... #### 18" }); // "gsm8k"
 */
export function detectJsonlFormat(first: unknown): ProblemFormatName {
  if (typeof first !== "object" || first === null || Array.isArray(first)) return "jsonl";
  const record = first as Record<string, unknown>;
  if (Array.isArray(record["chains"])) return "recorded-chains";
  const keys = Object.keys(record).sort().join(",");
  if (keys === "answer,question" && typeof record["answer"] === "string" && record["answer"].includes("####")) return "gsm8k";
  return "jsonl";
}
