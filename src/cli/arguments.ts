import { parseArgs } from "node:util";

import { OptionsError } from "../errors.js";
import { VOTE_RULES } from "../run/index.js";

/** The commands of the CLI. */
export const COMMANDS = ["sample", "solve", "run", "distill", "verify", "serve", "help"] as const;
export type CommandName = (typeof COMMANDS)[number];

type Applies = readonly Exclude<CommandName, "help">[];
interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help (`--samples N`). */
  readonly value?: string;
  readonly description: string;
  /** Shown as "(default: …)". */
  readonly default?: string;
  readonly commands: Applies;
}

const DECODE: Applies = ["sample", "solve", "run", "distill"];
const VOTE: Applies = ["solve", "run", "distill"];
const ALL: Applies = ["sample", "solve", "run", "distill", "verify", "serve"];
const MODEL: Applies = ["sample", "solve", "run", "distill", "serve"];

/**
 * Every option, the commands it applies to, its description and default: the parser and the help are
 * both made from this table, so an option documented is an option accepted, and vice versa.
 */
export const OPTIONS = {
  samples: { type: "string", value: "N", description: "chains sampled per problem", default: "8 for sample, 20 otherwise", commands: DECODE },
  seed: { type: "string", value: "N", description: "seed of the first chain (chain i uses its own stream from it)", default: "1", commands: DECODE },
  temperature: { type: "string", value: "T", description: "sampling temperature; 0 is greedy", default: "the model's generation_config.json, else 0.7", commands: DECODE },
  "top-k": { type: "string", value: "K", description: "keep the K most likely tokens; 0 is off", default: "the model's, else 0", commands: DECODE },
  "top-p": { type: "string", value: "P", description: "nucleus sampling mass; 1 is off", default: "the model's, else 1", commands: DECODE },
  "max-tokens": { type: "string", value: "N", description: "most new tokens per chain", default: "the model's max_new_tokens, else 320", commands: DECODE },
  calculator: { type: "boolean", description: "complete every <<expr= the model writes with the exact result", commands: DECODE },
  "prompt-set": { type: "string", value: "NAME|PATH", description: "prompt set in chains/ or a JSON file (serve: for chat on a model without a chat template)", default: "the model's own (cot-sc.json)", commands: MODEL },
  shots: { type: "string", value: "N|all", description: "few-shot exemplars from the prompt set", default: "the prompt set's", commands: DECODE },
  stopping: { type: "string", value: "fixed|adaptive|esc", description: "stop sampling early once the vote is settled", default: "fixed", commands: VOTE },
  threshold: { type: "string", value: "P", description: "adaptive stopping: confidence that ends sampling", default: "0.95", commands: VOTE },
  window: { type: "string", value: "N", description: "esc stopping: agreeing answers in a row that end sampling", default: "5", commands: VOTE },
  "member-weight": { type: "string", multiple: true, value: "NAME=W", description: "an ensemble member's vote weight (repeatable; tune on a development split)", commands: VOTE },
  vote: { type: "string", value: VOTE_RULES.join("|"), description: "the rule whose answer is reported (every result also has all three)", default: "majority", commands: VOTE },
  model: { type: "string", multiple: true, value: "DIR", description: "model directory (Hugging Face / Optimum layout); repeat it for an ensemble of models, one vote over all their chains (not serve)", default: "the shipped model", commands: MODEL },
  device: { type: "string", value: "cpu|webgpu|cuda|auto", description: "where the model runs", default: "cpu", commands: MODEL },
  graph: { type: "string", value: "auto|split-cache|split-cache-int8|optimum", description: "which decode graph (split-cache-int8: 8-bit weights, faster, not bitwise the same)", default: "auto", commands: MODEL },
  threads: { type: "string", value: "N", description: "onnxruntime threads (per model)", default: "the machine's cores, shared out between an ensemble's models", commands: MODEL },
  "no-worker": { type: "boolean", description: "decode on the main thread instead of a worker", commands: MODEL },
  backend: { type: "string", value: "onnx|replay|openai", description: "onnx: a model; replay: recorded chains (no model); openai: an OpenAI-compatible server (vLLM, SGLang, cot-sc serve)", default: "onnx", commands: ["run"] },
  "base-url": { type: "string", value: "URL", description: "openai: the server's API root, e.g. http://127.0.0.1:8000/v1", commands: ["run"] },
  "remote-model": { type: "string", value: "NAME", description: "openai: the model the server serves", commands: ["run"] },
  recorded: { type: "string", value: "FILE", description: "replay: the recorded-chains JSONL", default: "the problem file", commands: ["run"] },
  source: { type: "string", multiple: true, value: "NAME", description: "replay: only chains from this source (repeatable)", commands: ["run"] },
  concurrency: { type: "string", value: "N", description: "problems solved at once (they share decode batches)", default: "4", commands: ["run", "distill"] },
  limit: { type: "string", value: "N", description: "only the first N problems of the file", commands: ["run", "distill"] },
  out: { type: "string", value: "FILE", description: "run: results, one JSON line per problem; distill: the chains kept; written as each problem finishes", commands: ["run", "distill"] },
  "min-share": { type: "string", value: "P", description: "distill: keep a problem's chains only if the voted answer has this share of the vote", default: "0.5", commands: ["distill"] },
  resume: { type: "boolean", description: "continue the run in --out: skip its problems (settings must match)", commands: ["run"] },
  overwrite: { type: "boolean", description: "replace an existing non-empty --out instead of refusing", commands: ["run", "distill"] },
  summary: { type: "string", value: "FILE", description: "write the summary (with the settings) as JSON", commands: ["run"] },
  report: { type: "string", value: "FILE", description: "write a self-contained HTML report", commands: ["run"] },
  "skip-invalid": { type: "boolean", description: "report and skip bad problems (bad lines, prompts too long) instead of stopping", commands: ["run"] },
  "greedy-baseline": { type: "boolean", description: "also decode one greedy chain per problem", commands: ["run"] },
  host: { type: "string", value: "HOST", description: "address to listen on (0.0.0.0: every interface)", default: "127.0.0.1", commands: ["serve"] },
  port: { type: "string", value: "N", description: "port to listen on (0: any free one)", default: "8000", commands: ["serve"] },
  "api-key": { type: "string", value: "KEY", description: "serve: require Authorization: Bearer KEY (or COT_SC_API_KEY); run --backend openai: the key sent (or OPENAI_API_KEY)", commands: ["serve", "run"] },
  "max-batch-rows": { type: "string", value: "N", description: "most chains in one decode batch, across all requests", default: "64", commands: ["serve", "run"] },
  json: { type: "boolean", description: "print JSON instead of text (run: the summary; distill: what was kept)", commands: ["sample", "solve", "run", "distill"] },
  verbose: { type: "boolean", description: "log to stderr", commands: ALL },
  help: { type: "boolean", short: "h", description: "show help", commands: ALL },
  version: { type: "boolean", description: "print cot-sc's version", commands: ALL },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** What each command takes besides options, and what it does (for help). */
export const COMMAND_HELP: Record<Exclude<CommandName, "help">, { usage: string; summary: string }> = {
  sample: { usage: 'sample "<question>"', summary: "sample chains for one question and print them (no verification, no vote)" },
  solve: { usage: 'solve "<question>"', summary: "sample chains, check every step, vote, print the answer and the vote table" },
  run: { usage: "run <problems>", summary: "solve a problem set (JSONL, GSM8K, SVAMP, recorded chains); summary, results file, report" },
  distill: { usage: "distill <problems | results of run --out> --out FILE", summary: "self-consistency as training data: the verified chains that agree with a clear vote, gold answers only for precision; from a results file, without decoding" },
  verify: { usage: "verify <file.jsonl | ->", summary: "check the arithmetic of chains: {text} lines, GSM8K records, cot-sc results or sample --json output" },
  serve: { usage: "serve", summary: "serve the model over the OpenAI API (/v1/completions, /v1/chat/completions) and /v1/solve" },
};

const parseOptionsTable = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, spec]) => [
    name,
    { type: spec.type, ...("multiple" in spec ? { multiple: spec.multiple } : {}), ...("short" in spec ? { short: spec.short } : {}) },
  ]),
) as { [K in OptionName]: { type: (typeof OPTIONS)[K]["type"]; multiple?: boolean; short?: string } };

export type Flags = { [K in OptionName]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };

/**
 * Parses a command line. A negative number after an option that takes a value is that value
 * (`--samples -3` is `--samples=-3`, then refused by validation with a clear message); an option that does
 * not apply to the command is an error naming both.
 */
export function parse(argv: readonly string[]): { values: Flags; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && name in OPTIONS && OPTIONS[name as OptionName].type === "string" && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: parseOptionsTable, allowPositionals: true, strict: true });
  } catch (error) {
    throw new OptionsError("invalid command line", [(error as Error).message]);
  }
  const values = parsed.values as Flags;
  const command = parsed.positionals[0];
  if (command && command !== "help" && (COMMANDS as readonly string[]).includes(command)) {
    const misplaced = Object.keys(values).filter((name) => !(OPTIONS[name as OptionName].commands as readonly string[]).includes(command));
    if (misplaced.length > 0) {
      throw new OptionsError(
        "invalid command line",
        misplaced.map((name) => `--${name} does not apply to "${command}" (it is for: ${OPTIONS[name as OptionName].commands.join(", ")})`),
      );
    }
  }
  return { values, positionals: parsed.positionals };
}

/** A numeric flag, or undefined when absent; a non-number is an error naming the flag. */
export function numberFlag(values: Flags, name: OptionName): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value)) {
    throw new OptionsError("invalid command line", [`--${name}: expected a number, got "${String(raw)}"`]);
  }
  return value;
}

/** A count flag (`--samples`, `--limit`, …): a whole number of at least `min`, or an error naming the flag. */
export function countFlag(values: Flags, name: OptionName, min = 1): number | undefined {
  const value = numberFlag(values, name);
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new OptionsError("invalid command line", [`--${name}: expected a whole number ≥ ${min}, got ${String(values[name])}`]);
  }
  return value;
}

/** The help text: all commands, or one command with each of its options described and its default. */
export function helpText(command?: string): string {
  if (command === undefined || !(command in COMMAND_HELP)) {
    const lines = ["cot-sc — chain-of-thought reasoning with self-consistency on ONNX decoders", "", "Commands:"];
    for (const help of Object.values(COMMAND_HELP)) lines.push(`  cot-sc ${help.usage.padEnd(26)} ${help.summary}`);
    lines.push("  cot-sc help <command>            options of one command, with their defaults", "  cot-sc --version");
    return lines.join("\n");
  }
  const help = COMMAND_HELP[command as keyof typeof COMMAND_HELP];
  const lines = [`cot-sc ${help.usage} [options]`, "", help.summary, "", "Options:"];
  const rows = Object.entries(OPTIONS)
    .filter(([, spec]) => (spec.commands as readonly string[]).includes(command))
    .map(([name, spec]) => {
      const left = `--${name}${"value" in spec ? ` ${spec.value}` : ""}`;
      const right = `${spec.description}${"default" in spec ? ` (default: ${spec.default})` : ""}`;
      return [left, right] as const;
    });
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  return lines.join("\n");
}
