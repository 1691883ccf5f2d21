import { resolve } from "node:path";

import { AbortError, InputError, OptionsError } from "../errors.js";
import { readJsonLines } from "../problems/read-json-lines.js";
import { recordedProblemSchema } from "../problems/recorded-chains.js";
import { inputErrorFromZod } from "../problems/zod-input-error.js";
import type { Backend, BackendWarning, SampledChain, SampleRequest, SampleResult } from "./backend.js";

export interface ReplayBackendOptions {
  /** Serve only chains whose `source` is listed (e.g. ["gpt4_COT", "code002_COT"]); default: all chains. */
  sources?: readonly string[];
  /** Skip bad lines of the file (reporting each through `onInvalid`) instead of throwing the first. */
  skipInvalid?: boolean;
  onInvalid?: (error: InputError) => void;
}

/** Why an estimate: recorded chains carry text only; four characters per token is the usual rule of thumb. */
const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * A backend that serves recorded chains (`data/recorded_chains/` format: one JSON line per
 * problem, `{id, question, gold, chains: [{text, source, ...}]}`) by problem id, so voting and
 * verification run on real large-model chains with no model. The file is streamed once and indexed by
 * id (as a string); the prompt is ignored (`needsPrompt: false`).
 *
 * What it cannot honour is said in `warnings`, each general warning once per backend: token counts are
 * estimates, log-probabilities are 0 (so a log-probability vote degenerates to majority), and sampling
 * settings are ignored. A problem with fewer recorded chains than asked for gets fewer, with a warning.
 *
 * @example
 * const backend = await createReplayBackend("data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl");
 * const { chains, warnings } = await backend.sampleChains({ problemId: "0", count: 12, prompt: "", maxTokens: 0,
 *   temperature: 0, topK: 0, topP: 1, seed: 0, stop: [] });
 */
export async function createReplayBackend(file: string, options: ReplayBackendOptions = {}): Promise<Backend> {
  const chainsById = await loadRecordedChains(file, options);
  const warned = new Set<string>();
  // Why once: the same caveat on every problem's result would bury the warnings that differ per problem.
  const once = (warnings: BackendWarning[], warning: BackendWarning): void => {
    if (warned.has(warning.message)) return;
    warned.add(warning.message);
    warnings.push(warning);
  };

  return {
    name: "replay",
    needsPrompt: false,
    defaults: {},
    capabilities: { chat: false, logprobs: false, force: false, seeded: true },
    description: { recorded: resolve(file) },
    async sampleChains(request: SampleRequest): Promise<SampleResult> {
      const started = performance.now();
      if (request.signal?.aborted) throw new AbortError();
      if (request.problemId === undefined) {
        throw new OptionsError("the replay backend serves recorded chains by problem", ["problemId: required"]);
      }
      const recorded = chainsById.get(request.problemId);
      if (recorded === undefined) {
        throw new InputError(`no recorded chains for problem "${request.problemId}"`, file, undefined, "id");
      }
      const firstIndex = request.firstIndex ?? 0;
      const texts = recorded.slice(firstIndex, firstIndex + Math.max(0, request.count));
      const chains: SampledChain[] = texts.map(({ text, source }, offset) => ({
        text,
        tokens: estimateTokens(text),
        finishReason: "stop",
        logprob: 0,
        index: firstIndex + offset,
        ...(source === undefined ? {} : { source }),
      }));

      const warnings: BackendWarning[] = [];
      if (chains.length < request.count) {
        warnings.push({
          type: "other",
          message: `problem "${request.problemId}" has ${recorded.length} recorded chains; asked for chains ${firstIndex}..${firstIndex + request.count - 1}, served ${chains.length}`,
        });
      }
      once(warnings, { type: "estimate", field: "tokens", message: "replay: token counts are estimates (characters / 4); recorded chains carry no token counts" });
      once(warnings, { type: "estimate", field: "logprob", message: "replay: recorded chains carry no log-probabilities; logprob is 0, so the logprob vote degenerates to majority" });
      once(warnings, {
        type: "unsupported-setting",
        setting: "temperature, topK, topP, seed, maxTokens, stop",
        message: "replay: temperature, topK, topP, seed, maxTokens and stop are ignored; recorded chains are served as recorded",
      });
      if (request.force !== undefined) once(warnings, { type: "unsupported-setting", setting: "calculator", message: "replay: forced continuations (calculator) are ignored; recorded chains cannot be changed" });

      return {
        chains,
        usage: { promptTokens: 0, generatedTokens: chains.reduce((sum, chain) => sum + chain.tokens, 0), wallMs: performance.now() - started },
        warnings,
      };
    },
    async close(): Promise<void> {
      chainsById.clear();
    },
  };
}

/** Streams the file once, keeping only each problem's chain texts (in file order), indexed by id. */
async function loadRecordedChains(file: string, options: ReplayBackendOptions): Promise<Map<string, Array<{ text: string; source: string | undefined }>>> {
  const chainsById = new Map<string, Array<{ text: string; source: string | undefined }>>();
  const sources = options.sources === undefined ? undefined : new Set(options.sources);
  const seenSources = new Set<string>();
  for await (const { line, value, error } of readJsonLines(file)) {
    try {
      if (error !== undefined) throw error;
      const parsed = recordedProblemSchema.safeParse(value);
      if (!parsed.success) throw inputErrorFromZod(parsed.error, file, line);
      const id = String(parsed.data.id);
      if (chainsById.has(id)) throw new InputError(`duplicate id "${id}"`, file, line, "id");
      for (const chain of parsed.data.chains) if (chain.source !== undefined) seenSources.add(chain.source);
      const chains = parsed.data.chains.filter((chain) => sources === undefined || (chain.source !== undefined && sources.has(chain.source)));
      chainsById.set(
        id,
        chains.map((chain) => ({ text: chain.text, source: chain.source })),
      );
    } catch (caught) {
      if (!(caught instanceof InputError) || !options.skipInvalid) throw caught;
      options.onInvalid?.(caught);
    }
  }
  // Why check: a misspelt source would otherwise serve zero chains for every problem, silently.
  const unknown = [...(sources ?? [])].filter((source) => !seenSources.has(source));
  if (unknown.length > 0) {
    throw new OptionsError(
      `unknown sources in ${file}`,
      unknown.map((source) => `sources: "${source}" is not in the file (it has ${[...seenSources].join(", ")})`),
    );
  }
  return chainsById;
}
