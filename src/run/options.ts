import type { Logger } from "pino";
import { z } from "zod";

import type { Backend } from "../backends/backend.js";
import { OptionsError, type ProblemError } from "../errors.js";
import { VOTE_RULES } from "../vote/index.js";

const positiveInt = z.number().int().positive();

/** How many chains to draw, and when to stop early. */
export const stoppingSchema = z.discriminatedUnion("rule", [
  z.strictObject({ rule: z.literal("fixed") }),
  z.strictObject({
    rule: z.literal("adaptive"),
    /** Stop when P(leader's true share > 1/2) reaches this (Adaptive-Consistency). Default 0.95. */
    threshold: z.number().gt(0).lt(1).default(0.95),
    /** Chains drawn per round; the rule is asked after each round. Default 4. */
    batch: positiveInt.default(4),
  }),
  z.strictObject({
    rule: z.literal("esc"),
    /** Stop when the last `window` answers agree (Early-Stopping Self-Consistency). Default 5. */
    window: positiveInt.default(5),
  }),
]);

export const voteRuleSchema = z.enum(VOTE_RULES);

/** Options of `engine.solve` and `engine.run`, validated at the boundary. */
export const solveOptionsSchema = z.strictObject({
  samples: positiveInt.max(10_000).default(20),
  seed: z.number().int().default(1),
  /** Default: the model's generation_config.json, else 0.7. `<= 0`: greedy. */
  temperature: z.number().min(0).optional(),
  /** Default: generation_config.json, else 0 (off). */
  topK: z.number().int().min(0).optional(),
  /** Default: generation_config.json, else 1 (off). */
  topP: z.number().gt(0).max(1).optional(),
  /** Default: generation_config.json's max_new_tokens, else 320. */
  maxTokens: positiveInt.optional(),
  stopping: stoppingSchema.default({ rule: "fixed" }),
  vote: voteRuleSchema.default("majority"),
  /**
   * Ensembles: a weight per member (prompt set, or a replayed chain's source) multiplying its chains'
   * votes; members not listed weigh 1. Tune them on a development split.
   */
  memberWeights: z.record(z.string(), z.number().min(0).max(1e6)).optional(),
  /** Complete every `<<expr=` with the exact result (calculator-assisted decoding). */
  calculator: z.boolean().default(false),
  /** Also decode one greedy chain per problem, for the greedy baseline. */
  greedyBaseline: z.boolean().default(false),
  /** Prompt set (name in chains/ or a path) and shots; default: the model's own. */
  prompt: z
    .strictObject({
      set: z.string().optional(),
      /** An ensemble of prompt sets: a problem's chains are split across them, one vote over all (see README). */
      sets: z.array(z.string()).min(1).max(16).optional(),
      shots: z.union([z.number().int().min(0), z.literal("all")]).optional(),
    })
    .refine((prompt) => prompt.set === undefined || prompt.sets === undefined, "give prompt.set or prompt.sets, not both")
    .default({}),
  signal: z.instanceof(AbortSignal).optional(),
});

export const runOptionsSchema = solveOptionsSchema.extend({
  /** Problems solved at once (their chains share decode batches). Default 4. */
  concurrency: positiveInt.max(256).default(4),
  /**
   * A problem that cannot be solved as given (its prompt exceeds the model's context) is reported
   * through `onSkipped` and the run goes on; without it, the run stops with a ProblemError naming it.
   */
  skipInvalid: z.boolean().default(false),
  onSkipped: z.custom<(error: ProblemError) => void>((value) => typeof value === "function").optional(),
});

export const engineOptionsSchema = z.strictObject({
  /**
   * A model directory (Hugging Face / Optimum layout), or several: an ensemble, each model drawing its
   * share of every problem's chains, one vote over all (members named by their directory's last part).
   * Default: the shipped model.
   */
  model: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /**
   * The backend: `onnx` (a model directory, `model`) or `replay` (`recorded`), built by the engine; or
   * a backend object the caller built (`createOnnxBackend(...)`, `createReplayBackend(...)`), which the
   * engine uses and does not close.
   */
  backend: z
    .union([
      z.enum(["onnx", "replay", "openai"]),
      z.custom<Backend>((value) => typeof value === "object" && value !== null && "sampleChains" in value && "close" in value, "a Backend object"),
    ])
    .default("onnx"),
  /** OpenAI backend: the server's API root (`http://host:8000/v1`), the model it serves, and its key. */
  baseUrl: z.url().optional(),
  remoteModel: z.string().min(1).optional(),
  apiKey: z.string().optional(),
  /** OpenAI backend: per-request timeout in ms (default 10 minutes) and retries (default 4). */
  timeoutMs: positiveInt.optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  /** Replay backend: the recorded-chains JSONL file. */
  recorded: z.string().optional(),
  /** Replay backend: only chains from these sources (e.g. "gpt4_COT"). */
  sources: z.array(z.string()).optional(),
  device: z.enum(["cpu", "webgpu", "cuda", "auto"]).default("cpu"),
  /** Decode in a worker thread (default true). */
  worker: z.boolean().default(true),
  /** Which graph: cot-sc's split-cache export (fast) or the Optimum one. Default "auto". */
  graph: z.enum(["auto", "split-cache", "split-cache-int8", "optimum"]).default("auto"),
  /** onnxruntime intra-op threads (per model); default: the machine's cores, shared out between an ensemble's models. */
  threads: positiveInt.optional(),
  /** Most rows in one decode batch (default 64). */
  maxBatchRows: positiveInt.optional(),
  /**
   * `continuous` (default): requests join the running decode batch between steps. `job`: each batch
   * runs to completion before the next starts (the former scheduler, kept for comparison).
   */
  batching: z.enum(["continuous", "job"]).default("continuous"),
  logger: z.custom<Logger>((value) => typeof value === "object" && value !== null && "debug" in value).optional(),
});

export type StoppingOptions = z.output<typeof stoppingSchema>;
export type SolveOptions = z.input<typeof solveOptionsSchema>;
export type ParsedSolveOptions = z.output<typeof solveOptionsSchema>;
export type RunOptions = z.input<typeof runOptionsSchema>;
export type EngineOptions = z.input<typeof engineOptionsSchema>;
export type ParsedEngineOptions = z.output<typeof engineOptionsSchema>;

/** Parses options with a zod schema, turning failures into an OptionsError that names every bad field. */
export function parseOptions<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new OptionsError(
    `invalid ${what}`,
    parsed.error.issues.map((issue) => `${issue.path.join(".") || "(options)"}: ${issue.message}`),
  );
}

/** Validates run options without running anything (the CLI checks them before it loads a model). */
export function checkRunOptions(options: RunOptions): void {
  parseOptions(runOptionsSchema, options, "run options");
}
