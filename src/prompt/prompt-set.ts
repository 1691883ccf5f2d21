import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InputError } from "../errors.js";
import { inputErrorFromZod } from "../problems/zod-input-error.js";

/**
 * The `chains/` folder shipped with the package. Why two levels up: this file is src/prompt/prompt-set.ts
 * in the repository and dist/prompt/prompt-set.js once compiled; both sit two levels below the root.
 */
export const chainsDirectory: string = fileURLToPath(new URL("../../chains/", import.meta.url));

const exemplarSchema = z.strictObject({
  question: z.string().min(1),
  chain: z.string().min(1),
});

const placeholders = (template: string, names: readonly string[]): boolean => names.every((name) => template.includes(`{${name}}`));

const shotsSchema = z.union([z.literal("all"), z.number().int().min(0)]);

/** The JSON schema of a prompt set file in `chains/` (documented in chains/README.md). */
export const promptSetSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string(),
    template: z.strictObject({
      /** Text before everything (an instruction), often empty. */
      prefix: z.string(),
      /** One solved exemplar; `{question}` and `{chain}` are filled in. */
      exemplar: z.string().refine((template) => placeholders(template, ["question", "chain"]), "must contain {question} and {chain}"),
      /** The question to solve; `{question}` is filled in; the model continues right after it. */
      question: z.string().refine((template) => placeholders(template, ["question"]), "must contain {question}"),
      /** Between exemplars, and between the last exemplar and the question. */
      separator: z.string(),
    }),
    /** How the set maps onto chat turns, for models with a chat template; absent means the defaults. */
    chat: z
      .strictObject({
        system: z.string().optional(),
        user: z.string().refine((template) => placeholders(template, ["question"]), "must contain {question}").default("{question}"),
        assistant: z.string().refine((template) => placeholders(template, ["chain"]), "must contain {chain}").default("{chain}"),
        stop: z.array(z.string().min(1)).default([]),
      })
      .optional(),
    /** How many exemplars a prompt uses when the caller does not say. */
    defaultShots: shotsSchema.default("all"),
    exemplars: z.array(exemplarSchema),
    /** Strings that end a chain in this format (plain-text prompts). */
    stop: z.array(z.string().min(1)),
  })
  .refine((set) => set.defaultShots === "all" || set.defaultShots <= set.exemplars.length, {
    path: ["defaultShots"],
    message: "is more than the number of exemplars",
  });

/** A validated prompt set. */
export type PromptSet = z.output<typeof promptSetSchema>;
/** One solved exemplar. */
export type Exemplar = PromptSet["exemplars"][number];
/** How many exemplars to put in a prompt: 0 (zero-shot), 1 (one-shot), n, or all of them. */
export type Shots = z.output<typeof shotsSchema>;

/**
 * Loads a prompt set by name (a file in the package's `chains/`, e.g. "shipped-zero-shot") or by path
 * (anything with a slash or ending in `.json`). A missing, malformed or invalid file is an InputError.
 *
 * @example
 * const set = await loadPromptSet("gsm8k-8shot");
 * const custom = await loadPromptSet("./my-prompts.json");
 */
export async function loadPromptSet(nameOrPath: string): Promise<PromptSet> {
  const isPath = nameOrPath.includes("/") || nameOrPath.includes("\\") || nameOrPath.endsWith(".json");
  const file = isPath ? nameOrPath : `${chainsDirectory}${nameOrPath}.json`;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const known = isPath ? "" : ` (known sets: ${(await listPromptSets()).join(", ")})`;
    throw new InputError(`cannot read prompt set${known}: ${error instanceof Error ? error.message : String(error)}`, file, undefined, undefined, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`, file, undefined, undefined, { cause: error });
  }
  const parsed = promptSetSchema.safeParse(value);
  if (!parsed.success) throw inputErrorFromZod(parsed.error, file);
  return parsed.data;
}

/**
 * The names of the prompt sets shipped in `chains/`.
 *
 * @example
 * await listPromptSets(); // ["gsm8k-8shot", "shipped-few-shot", "shipped-zero-shot"]
 */
export async function listPromptSets(): Promise<string[]> {
  const entries = await readdir(chainsDirectory).catch(() => []);
  return entries
    .filter((entry) => entry.endsWith(".json"))
    .map((entry) => entry.slice(0, -".json".length))
    .sort();
}
