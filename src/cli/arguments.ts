import { parseArgs } from "node:util";

import { OptionsError } from "../errors.js";

/** Every flag the commands accept (each command uses its own subset). */
export const FLAGS = {
  samples: { type: "string" },
  seed: { type: "string" },
  model: { type: "string" },
  json: { type: "boolean" },
  temperature: { type: "string" },
  "top-k": { type: "string" },
  "top-p": { type: "string" },
  "max-tokens": { type: "string" },
  stopping: { type: "string" },
  threshold: { type: "string" },
  window: { type: "string" },
  vote: { type: "string" },
  calculator: { type: "boolean" },
  backend: { type: "string" },
  recorded: { type: "string" },
  source: { type: "string", multiple: true },
  concurrency: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  report: { type: "string" },
  summary: { type: "string" },
  "skip-invalid": { type: "boolean" },
  "greedy-baseline": { type: "boolean" },
  device: { type: "string" },
  graph: { type: "string" },
  threads: { type: "string" },
  "prompt-set": { type: "string" },
  shots: { type: "string" },
  limit: { type: "string" },
  verbose: { type: "boolean" },
  "no-worker": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type Flags = ReturnType<typeof parse>["values"];

export function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new OptionsError("invalid command line", [(error as Error).message]);
  }
}

/** A numeric flag, or undefined when absent; a non-number is an error naming the flag. */
export function numberFlag(values: Flags, name: keyof typeof FLAGS): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value)) {
    throw new OptionsError("invalid command line", [`--${name}: expected a number, got "${String(raw)}"`]);
  }
  return value;
}
