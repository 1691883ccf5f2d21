import { setMaxListeners } from "node:events";

import pLimit from "p-limit";
import type { Logger } from "pino";

import type { Backend, SampleResult } from "../backends/backend.js";
import { ProblemError, PromptTooLongError } from "../errors.js";
import type { Problem } from "../problems/problem.js";
import { buildChatMessages, buildPrompt, loadPromptSet, type PromptSet } from "../prompt/index.js";
import { calculatorHook } from "./calculator-hook.js";
import { silentLogger } from "./logger.js";
import { parseOptions, type ParsedSolveOptions, runOptionsSchema, type RunOptions, solveOptionsSchema, type SolveOptions } from "./options.js";
import { solveProblem, type SolveContext } from "./solve-problem.js";
import type { ProblemResult, RunSettings } from "./types.js";
import { VERSION } from "./version.js";

/** A loaded engine: solve one question or a whole problem set with self-consistency. */
export interface Engine {
  /** The backend in use ("onnx" or "replay"), and for onnx the graph and its layout. */
  readonly info: { backend: string; model?: string; graph?: string; layout?: string; device: string; deviceReasons?: string[] };
  /** Solve one question (optionally with its gold answer, for `correct`). */
  solve(question: string, options?: SolveOptions & { id?: string; gold?: string | null }): Promise<ProblemResult>;
  /** Just sample chains for a question (no verification, no vote): the sampler as the engine drives it. */
  sample(question: string, options?: SolveOptions): Promise<SampleResult>;
  /** Solve a problem set, `concurrency` problems at a time; results arrive as each problem finishes. */
  run(problems: Iterable<Problem> | AsyncIterable<Problem>, options?: RunOptions): AsyncGenerator<ProblemResult>;
  /**
   * The settings a run with these options uses, defaults resolved (the model's sampling defaults,
   * its prompt set): what `cot-sc run` records in a results file and its summary.
   */
  settings(options?: SolveOptions): RunSettings;
  close(): Promise<void>;
}

const COT_DEFAULTS = { temperature: 0.7, topK: 0, topP: 1, maxTokens: 320 };

/** How an engine treats the backend it is handed. */
export interface EngineOnOptions {
  logger?: Logger;
  /** Close the backend when the engine closes (the composition root built it). Default false. */
  ownsBackend?: boolean;
}

/**
 * An engine on the backend it is handed (the Vercel AI SDK's way with providers): `run/` sees only the
 * backend spec, never a provider. The backend's defaults, prompt set and chat template are used where a
 * request sets none. `createEngine` in the package's index builds the backend from options (the shipped
 * model by default) and calls this.
 *
 * @example
 * const engine = await engineOn(await createOnnxBackend("models/cot-sc-gpt2-tiny"));
 * const result = await engine.solve("Dad bought 30 apples ...", { samples: 20 });
 */
export async function engineOn(backend: Backend, options: EngineOnOptions = {}): Promise<Engine> {
  const logger: Logger = options.logger ?? silentLogger();
  const modelDefaults = backend.defaults;
  const defaultPromptSet = backend.promptSet ?? "gsm8k-8shot";
  const description = backend.description;
  const promptSets = new Map<string, Promise<PromptSet>>();
  const promptSet = (name: string): Promise<PromptSet> => {
    let set = promptSets.get(name);
    if (!set) promptSets.set(name, (set = loadPromptSet(name)));
    return set;
  };

  // the request's setting, else the model's generation_config.json, else cot-sc's default
  const samplingOf = (solve: ParsedSolveOptions): SolveContext["sampling"] => ({
    temperature: solve.temperature ?? modelDefaults.temperature ?? COT_DEFAULTS.temperature,
    topK: solve.topK ?? modelDefaults.topK ?? COT_DEFAULTS.topK,
    topP: solve.topP ?? modelDefaults.topP ?? COT_DEFAULTS.topP,
    maxTokens: solve.maxTokens ?? modelDefaults.maxTokens ?? COT_DEFAULTS.maxTokens,
  });

  const context = async (problem: Problem, solve: ParsedSolveOptions): Promise<SolveContext> => {
    const sampling = samplingOf(solve);
    if (!backend.needsPrompt) return { backend, prompts: [{ member: undefined, text: problem.question, stop: [] }], sampling };
    const names = solve.prompt.sets ?? [solve.prompt.set ?? defaultPromptSet];
    const shots = solve.prompt.shots === undefined ? {} : { shots: solve.prompt.shots };
    const prompts = await Promise.all(
      names.map(async (name) => {
        const set = await promptSet(name);
        // a chat model gets messages, which its backend renders with the model's template
        const prompt = backend.capabilities.chat
          ? { text: buildChatMessages(set, problem.question, shots), stop: [...(set.chat?.stop ?? [])] }
          : buildPrompt(set, problem.question, shots);
        return { member: names.length > 1 ? name : undefined, ...prompt };
      }),
    );
    return { backend, prompts, sampling };
  };

  const solveOne = async (problem: Problem, solve: ParsedSolveOptions): Promise<ProblemResult> => {
    const started = performance.now();
    let result: ProblemResult;
    try {
      result = await solveProblem(problem, await context(problem, solve), solve);
    } catch (error) {
      // why: "the prompt is too long" means nothing in a set of 200 problems unless it says which one
      if (error instanceof PromptTooLongError) throw new ProblemError(problem.id, locationOf(problem), error);
      throw error;
    }
    logger.debug({ id: problem.id, samples: result.samplesUsed, ms: performance.now() - started }, "solved");
    return result;
  };

  const settingsOf = (solve: ParsedSolveOptions): RunSettings => {
    const sampling = samplingOf(solve);
    return {
      backend: backend.name,
      ...(description.model ? { model: description.model, ...(description.graphSha256 ? { graphSha256: description.graphSha256 } : {}) } : {}),
      ...(description.recorded ? { recorded: description.recorded } : {}),
      ...(description.remote ? { remote: description.remote } : {}),
      ...(description.members ? { members: description.members.map((m) => m.name) } : {}),
      // why: a resumed ensemble run must be made by the same members' weights, not only the same names
      ...(description.members?.some((m) => m.graphSha256) ? { memberGraphSha256: description.members.map((m) => m.graphSha256 ?? null) } : {}),
      promptSet: backend.needsPrompt ? (solve.prompt.sets?.join(",") ?? solve.prompt.set ?? defaultPromptSet) : null,
      shots: solve.prompt.shots ?? null,
      samples: solve.samples,
      seed: solve.seed,
      ...sampling,
      stopping: solve.stopping,
      ...(solve.memberWeights ? { memberWeights: solve.memberWeights } : {}),
      vote: solve.vote,
      calculator: solve.calculator,
      greedyBaseline: solve.greedyBaseline,
      version: VERSION,
    };
  };

  return {
    info: {
      backend: backend.name,
      device: description.device ?? "none",
      ...(description.model ? { model: description.model } : {}),
      ...(description.graph ? { graph: description.graph } : {}),
      ...(description.layout ? { layout: description.layout } : {}),
      ...(description.deviceReasons ? { deviceReasons: description.deviceReasons } : {}),
    },
    async solve(question, options = {}) {
      const { id, gold, ...rest } = options;
      const solve = parseOptions(solveOptionsSchema, rest, "solve options");
      return solveOne({ id: id ?? "question", question, gold: gold ?? null }, solve);
    },
    async sample(question, options = {}) {
      const solve = parseOptions(solveOptionsSchema, options, "sample options");
      const { prompts, sampling } = await context({ id: "question", question, gold: null }, solve);
      // sample: the first member's prompt (an ensemble is a solve/run matter)
      const prompt = prompts[0]!;
      return backend.sampleChains({
        prompt: prompt.text,
        count: solve.samples,
        maxTokens: sampling.maxTokens,
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        seed: solve.seed,
        stop: prompt.stop,
        problemId: "question",
        ...(solve.signal ? { signal: solve.signal } : {}),
        ...(solve.calculator ? { force: calculatorHook } : {}),
      });
    },
    settings(options = {}) {
      return settingsOf(parseOptions(solveOptionsSchema, options, "solve options"));
    },
    async *run(problems, options = {}) {
      const { skipInvalid, onSkipped, ...parsedRun } = parseOptions(runOptionsSchema, options, "run options");
      // why: when one problem fails the run, the others in flight are stopped rather than left decoding
      const stop = new AbortController();
      // every problem in flight listens to it (and to each of its chains' requests): not a leak
      setMaxListeners(0, stop.signal);
      const signal = parsedRun.signal ? AbortSignal.any([parsedRun.signal, stop.signal]) : stop.signal;
      setMaxListeners(0, signal);
      const solve = { ...parsedRun, signal };
      const limit = pLimit(solve.concurrency);
      const done: Array<ProblemResult | Error> = [];
      let wake: (() => void) | undefined;
      let inFlight = 0;
      let exhausted = false;
      const iterator = (Symbol.asyncIterator in problems ? problems[Symbol.asyncIterator]() : (problems as Iterable<Problem>)[Symbol.iterator]()) as
        | AsyncIterator<Problem>
        | Iterator<Problem>;
      const push = (item: ProblemResult | Error): void => {
        inFlight--; // before waking the reader, which checks inFlight
        if (item instanceof ProblemError && skipInvalid) onSkipped?.(item);
        else done.push(item);
        wake?.();
      };
      // read problems lazily: never more in flight than the concurrency, so large files stream
      const fill = async (): Promise<void> => {
        while (!exhausted && inFlight < solve.concurrency) {
          const next = await iterator.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          inFlight++;
          void limit(() => solveOne(next.value, solve)).then(push, push);
        }
      };
      await fill();
      while (inFlight > 0 || done.length > 0) {
        if (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        while (done.length > 0) {
          const item = done.shift()!;
          if (item instanceof Error) {
            stop.abort();
            throw item;
          }
          yield item;
        }
        await fill();
      }
    },
    close: async () => {
      if (options.ownsBackend) await backend.close();
    },
  };
}

/** `file:line` of a problem, when it was read from a file. */
function locationOf(problem: Problem): string | undefined {
  const source = problem.source;
  if (!source) return undefined;
  return `${source.file}${source.line !== undefined ? `:${source.line}` : ""}${source.field !== undefined ? ` ${source.field}` : ""}`;
}
