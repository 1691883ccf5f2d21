import { z } from "zod";

import { solveOptionsSchema } from "../run/options.js";

/** Per-request bounds the server enforces (a request past one is a 400 naming the field). */
export interface RequestLimits {
  /** Most choices (`n`) one request may ask for. */
  maxChoices: number;
  /** Most prompts in one completions request (`prompt` as a list). */
  maxPrompts: number;
  /** Most questions in one `/v1/solve` request. */
  maxQuestions: number;
  /** Most tokens one choice may generate; the model's context bounds it too. */
  maxTokens: number;
}

export const defaultLimits: RequestLimits = { maxChoices: 128, maxPrompts: 16, maxQuestions: 64, maxTokens: 1024 };

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();
const streamOptions = z.object({ include_usage: z.boolean().optional() }).nullish();

// Settings OpenAI defines that cot-sc cannot honour: accepted at their neutral value, refused otherwise,
// so that no request is silently answered differently from what it asked
const neutral = {
  frequency_penalty: z.literal(0).nullish(),
  presence_penalty: z.literal(0).nullish(),
  logit_bias: z.record(z.string(), z.number()).refine((bias) => Object.keys(bias).length === 0, "logit_bias is not supported").nullish(),
  best_of: z.literal(1).nullish(),
};

/** What completions and chat share: sampling, seeding, stopping, streaming. */
function sampling(limits: RequestLimits) {
  return {
    model: z.string().min(1),
    n: z.number().int().min(1).max(limits.maxChoices).default(1),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    /** vLLM's and SGLang's extra field; -1 or 0 is off. */
    top_k: z.number().int().min(-1).nullish(),
    /** Choice i of a request draws chain `first_index + i` of `seed - first_index` (see the README). */
    seed: z.number().int().nullish(),
    /** cot-sc's extra field: the index of the first choice's chain (the remote backend's adaptive rounds). */
    first_index: z.number().int().min(0).max(1_000_000).default(0),
    stop,
    stream: z.boolean().default(false),
    stream_options: streamOptions,
    user: z.string().optional(),
    ...neutral,
  };
}

export function completionsSchema(limits: RequestLimits) {
  return z.looseObject({
    ...sampling(limits),
    prompt: z.union([z.string(), z.array(z.string()).min(1).max(limits.maxPrompts)]),
    max_tokens: z.number().int().min(1).max(limits.maxTokens).default(16),
    /** Log-probabilities of the sampled tokens (the top alternatives are not returned: at most 0 extra). */
    logprobs: z.number().int().min(0).max(5).nullish(),
    echo: z.literal(false).nullish(),
    suffix: z.null().optional(),
  });
}

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const message = z.object({
  role: z.enum(["system", "user", "assistant", "developer"]),
  content: z.union([z.string(), z.array(textPart)]),
  name: z.string().optional(),
});

export function chatSchema(limits: RequestLimits) {
  return z.looseObject({
    ...sampling(limits),
    messages: z.array(message).min(1).max(256),
    max_tokens: z.number().int().min(1).max(limits.maxTokens).nullish(),
    max_completion_tokens: z.number().int().min(1).max(limits.maxTokens).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(0, "top_logprobs above 0 is not supported").nullish(),
  });
}

/** `/v1/solve`: a question or a list of them, with the options of `engine.solve`. */
export function solveSchema(limits: RequestLimits) {
  return solveOptionsSchema.omit({ signal: true }).extend({
    question: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(limits.maxQuestions)]),
    gold: z.union([z.string(), z.array(z.string().nullable())]).nullish(),
    samples: z.number().int().positive().max(limits.maxChoices).default(20),
  });
}

export type CompletionsBody = z.output<ReturnType<typeof completionsSchema>>;
export type ChatBody = z.output<ReturnType<typeof chatSchema>>;
export type SolveBody = z.output<ReturnType<typeof solveSchema>>;
