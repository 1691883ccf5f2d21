#!/usr/bin/env node
import { pino } from "pino";

import { CotScError, FileError, isFileSystemError } from "../errors.js";
import { createEngine } from "../engine.js";
import { type EngineOptions, type SolveOptions, VERSION } from "../run/index.js";
import { COMMANDS, countFlag, type Flags, helpText, numberFlag, parse } from "./arguments.js";
import { runCommand } from "./run-command.js";
import { serveCommand } from "./serve-command.js";
import { distillCommand } from "./distill-command.js";
import { printSolve } from "./solve-output.js";
import { verifyCommand } from "./verify-command.js";

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === "help" || values.help) {
    const topic = command === "help" ? rest[0] : command;
    if (topic !== undefined && !(COMMANDS as readonly string[]).includes(topic)) throw new CotScError("USAGE", `unknown command "${topic}"\n\n${helpText()}`);
    process.stdout.write(`${helpText(topic)}\n`);
    return 0;
  }
  if (!command) {
    process.stderr.write(`${helpText()}\n`);
    return 1;
  }
  if (command === "verify") {
    if (!rest[0]) throw new CotScError("USAGE", "verify needs a file (or - for standard input): cot-sc verify <file.jsonl>");
    await verifyCommand(rest[0], process.stdout);
    return 0;
  }
  if (command === "serve") {
    if (rest.length > 0) throw new CotScError("USAGE", `serve takes no arguments, got: ${rest.join(" ")}`);
    const port = countFlag(values, "port", 0) ?? 8000;
    if (port > 65_535) throw new CotScError("USAGE", `--port: expected 0 to 65535, got ${port}`);
    const threads = countFlag(values, "threads");
    const maxBatchRows = countFlag(values, "max-batch-rows");
    const apiKey = values["api-key"] ?? process.env.COT_SC_API_KEY;
    if ((values.model?.length ?? 0) > 1) throw new CotScError("USAGE", `serve serves one model, got ${values.model!.length}: ${values.model!.join(" ")}`);
    return serveCommand(
      {
        ...(values.model ? { model: values.model[0]! } : {}),
        host: values.host ?? "127.0.0.1",
        port,
        ...(apiKey ? { apiKey } : {}),
        ...(values["prompt-set"] ? { promptSet: values["prompt-set"] } : {}),
        ...(maxBatchRows !== undefined ? { maxBatchRows } : {}),
        ...(values.device ? { device: values.device as "cpu" } : {}),
        ...(values.graph ? { graph: values.graph as "auto" } : {}),
        ...(threads !== undefined ? { threads } : {}),
        ...(values["no-worker"] ? { worker: false } : {}),
        ...(values.verbose ? { logger: pino({ level: "debug" }, pino.destination(2)) } : {}),
      },
      (line) => process.stderr.write(`${line}\n`),
    );
  }
  if (command === "distill") {
    if (rest.length !== 1) throw new CotScError("USAGE", "distill takes one file, problems or the results of run --out: cot-sc distill <file> --out FILE");
    return distillCommand(rest[0]!, values, engineOptions(values, rest[0]), solveOptions(values), (line) => process.stderr.write(`${line}\n`));
  }
  if (command === "run") {
    if (!rest[0]) throw new CotScError("USAGE", "run needs a problem file: cot-sc run <problems>");
    if (rest.length > 1) throw new CotScError("USAGE", `run takes one problem file, got ${rest.length}: ${rest.join(" ")}`);
    return runCommand(rest[0], values, engineOptions(values, rest[0]), solveOptions(values));
  }
  if (command === "sample" || command === "solve") {
    const question = rest.join(" ");
    if (!question) throw new CotScError("USAGE", `${command} needs a question: cot-sc ${command} "<question>"`);
    const solve = solveOptions(values);
    const engine = await createEngine(engineOptions(values));
    try {
      if (command === "sample") {
        const result = await engine.sample(question, { ...solve, samples: countFlag(values, "samples") ?? 8 });
        if (values.json) {
          process.stdout.write(`${JSON.stringify({ chains: result.chains.map(({ text, tokens, finishReason, logprob }) => ({ text, tokens, finishReason, logprob })), usage: result.usage, warnings: result.warnings })}\n`);
        } else {
          for (const chain of result.chains) {
            process.stdout.write(`--- chain ${chain.index} (${chain.tokens} tokens, ${chain.finishReason}, logprob ${chain.logprob.toFixed(2)})\n${chain.text}\n`);
          }
          const { generatedTokens, wallMs } = result.usage;
          process.stdout.write(`\n${result.chains.length} chains, ${generatedTokens} tokens in ${(wallMs / 1000).toFixed(2)} s (${((generatedTokens / wallMs) * 1000).toFixed(0)} tokens/s)\n`);
        }
      } else {
        const result = await engine.solve(question, solve);
        printSolve(result, values.json === true, process.stdout);
      }
    } finally {
      await engine.close();
    }
    return 0;
  }
  throw new CotScError("USAGE", `unknown command "${command}"\n\n${helpText()}`);
}

function engineOptions(values: Flags, problems?: string): EngineOptions {
  const backend = values.backend ?? "onnx";
  const threads = countFlag(values, "threads");
  const maxBatchRows = countFlag(values, "max-batch-rows");
  return {
    ...(values.model ? { model: values.model } : {}),
    backend: backend as EngineOptions["backend"],
    ...(backend === "replay" ? { recorded: values.recorded ?? problems } : {}),
    ...(values["base-url"] ? { baseUrl: values["base-url"] } : {}),
    ...(values["remote-model"] ? { remoteModel: values["remote-model"] } : {}),
    ...(backend === "openai" && values["api-key"] ? { apiKey: values["api-key"] } : {}),
    ...(values.source ? { sources: values.source } : {}),
    ...(values.device ? { device: values.device as NonNullable<EngineOptions["device"]> } : {}),
    ...(values.graph ? { graph: values.graph as NonNullable<EngineOptions["graph"]> } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(maxBatchRows !== undefined ? { maxBatchRows } : {}),
    ...(values["no-worker"] ? { worker: false } : {}),
    ...(values.verbose ? { logger: pino({ level: "debug" }, pino.destination(2)) } : {}),
  };
}

/** `--member-weight NAME=W`, repeatable, as a record; a malformed one is an error naming it. */
function memberWeightsFlag(raw: readonly string[] | undefined): Record<string, number> | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  const weights: Record<string, number> = {};
  for (const item of raw) {
    const at = item.lastIndexOf("=");
    const weight = Number(item.slice(at + 1));
    if (at <= 0 || item.slice(at + 1).trim() === "" || !Number.isFinite(weight) || weight < 0) {
      throw new CotScError("USAGE", `--member-weight: expected NAME=W with W ≥ 0, got "${item}"`);
    }
    weights[item.slice(0, at)] = weight;
  }
  return weights;
}

function solveOptions(values: Flags): SolveOptions {
  const stopping = values.stopping ?? "fixed";
  const threshold = numberFlag(values, "threshold");
  const window = countFlag(values, "window");
  const shots = values.shots === "all" ? "all" : countFlag(values, "shots", 0);
  const options: Record<string, unknown> = {
    samples: countFlag(values, "samples"),
    seed: numberFlag(values, "seed"),
    temperature: numberFlag(values, "temperature"),
    topK: numberFlag(values, "top-k"),
    topP: numberFlag(values, "top-p"),
    maxTokens: countFlag(values, "max-tokens"),
    stopping:
      stopping === "adaptive"
        ? { rule: "adaptive", ...(threshold !== undefined ? { threshold } : {}) }
        : stopping === "esc"
          ? { rule: "esc", ...(window !== undefined ? { window } : {}) }
          : { rule: stopping },
    vote: values.vote,
    memberWeights: memberWeightsFlag(values["member-weight"]),
    calculator: values.calculator,
    greedyBaseline: values["greedy-baseline"],
    // `--prompt-set a,b`: an ensemble of prompt sets
    prompt: {
      ...(values["prompt-set"] ? (values["prompt-set"].includes(",") ? { sets: values["prompt-set"].split(",").filter(Boolean) } : { set: values["prompt-set"] }) : {}),
      ...(shots !== undefined ? { shots } : {}),
    },
  };
  // leave out what was not given, so the engine's defaults apply
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options as SolveOptions;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // why: a missing or unwritable file is an ordinary mistake, not a bug: one line naming the path
    const known = error instanceof CotScError ? error : isFileSystemError(error) && error.path ? new FileError(error.path, error.code, "use it") : undefined;
    if (known) {
      process.stderr.write(`cot-sc: ${known.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`cot-sc: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
