import { z } from "zod";

/**
 * One recorded chain of `data/recorded_chains/` (Faithful-CoT outputs): the model's text and
 * where it came from. `answer` is someone else's extraction, kept for comparison only.
 */
export const recordedChainSchema = z.looseObject({
  source: z.string().optional(),
  lm: z.string().optional(),
  prompt_format: z.string().optional(),
  decoding: z.string().optional(),
  text: z.string(),
  answer: z.unknown().optional(),
});

/**
 * One line of a recorded-chains JSONL file: a problem with its gold answer and its recorded chains.
 *
 * @example
 * recordedProblemSchema.parse({ id: 0, question: "Janet's ducks ...", gold: "18", chains: [{ text: "... The answer is 18." }] });
 */
export const recordedProblemSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  question: z.string().min(1),
  reference: z.string().optional(),
  gold: z.union([z.string(), z.number(), z.null()]),
  chains: z.array(recordedChainSchema),
});

export type RecordedChain = z.infer<typeof recordedChainSchema>;
export type RecordedProblem = z.infer<typeof recordedProblemSchema>;
