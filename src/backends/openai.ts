import OpenAI from "openai";
import type { Logger } from "pino";

import { AbortError, CotScError } from "../errors.js";
import type { Backend, BackendWarning, FinishReason, SampledChain, SampleRequest, SampleResult } from "./backend.js";

export interface OpenAIBackendOptions {
  /** The server's API root, e.g. `http://127.0.0.1:8000/v1` (vLLM, SGLang, llama.cpp's server, cot-sc serve). */
  baseURL: string;
  /** The model name the server serves. */
  model: string;
  /** Sent as `Authorization: Bearer`; default `OPENAI_API_KEY`, else none. */
  apiKey?: string;
  /** Per-request timeout (ms); a timed-out request is retried. Default 10 minutes. */
  timeoutMs?: number;
  /** Retries of 429, 5xx, timeouts, dropped connections and malformed answers, with backoff honouring `Retry-After`. Default 4. */
  maxRetries?: number;
  logger?: Logger;
}

/** The server's answers could not be used after every retry. */
export class RemoteBackendError extends CotScError {
  constructor(message: string, readonly baseURL: string, options?: { cause?: unknown }) {
    super("REMOTE", `${baseURL}: ${message}`, options);
  }
}

interface Choice {
  index: number;
  text: string;
  finish_reason: string | null;
  logprobs?: { token_logprobs?: Array<number | null> | null; tokens?: string[] | null } | null;
}

/**
 * A backend that samples chains from an OpenAI-compatible server through the official `openai`
 * client: the scale-out path (a vLLM or SGLang cluster, llama.cpp's server, a hosted API, or another
 * `cot-sc serve`), under cot-sc's own verifier, votes, stopping rules, resume and reports.
 *
 * One request per call, `n` = the chains asked for; a server that returns fewer choices (some ignore
 * `n`) is asked again for the rest. Seeds: chain `j` of seed `s` is requested as `seed: s + first`,
 * `first_index: first` (`first` = the first chain of the request), so a cot-sc server reproduces an
 * in-process run exactly and a vLLM server (choice i uses seed + i) gives every chain of a run its own
 * seed. Log-probabilities are asked for (`logprobs: 0`) for the log-prob vote; `top_k` is sent as the
 * extra field vLLM and SGLang accept.
 *
 * @example
 * const backend = await createOpenAIBackend({ baseURL: "http://127.0.0.1:8000/v1", model: "cot-sc-gpt2-tiny" });
 * const engine = await createEngine({ backend });
 */
export async function createOpenAIBackend(options: OpenAIBackendOptions): Promise<Backend> {
  const maxRetries = options.maxRetries ?? 4;
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
    timeout: options.timeoutMs ?? 600_000,
    maxRetries,
  });

  async function once(request: SampleRequest, prompt: string, first: number, count: number): Promise<{ choices: Choice[]; promptTokens: number }> {
    const body = {
      model: options.model,
      prompt,
      n: count,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      seed: request.seed + first,
      logprobs: 0,
      ...(request.stop.length > 0 ? { stop: request.stop.slice(0, 4) } : {}),
      ...(request.topK > 0 ? { top_k: request.topK } : {}),
      ...(first > 0 ? { first_index: first } : {}),
    };
    // why: the client retries what HTTP says is transient; an answer that is not the JSON it should be
    // (a proxy's error page, a truncated body) is retried here, with the same backoff
    for (let attempt = 0; ; attempt++) {
      try {
        const completion = (await client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming, request.signal ? { signal: request.signal } : {})) as unknown as {
          choices?: Choice[];
          usage?: { prompt_tokens?: number };
        };
        if (!Array.isArray(completion.choices)) throw new SyntaxError("the answer has no choices");
        return { choices: completion.choices, promptTokens: completion.usage?.prompt_tokens ?? 0 };
      } catch (error) {
        if (request.signal?.aborted) throw new AbortError();
        const malformed = error instanceof SyntaxError || (error instanceof OpenAI.APIError && error.status === undefined && /JSON/i.test(String(error.message)));
        if (!malformed || attempt >= maxRetries) throw new RemoteBackendError(`sampling failed: ${(error as Error).message}`, options.baseURL, { cause: error });
        options.logger?.debug({ attempt, error: (error as Error).message }, "malformed answer; retrying");
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      }
    }
  }

  return {
    name: "openai",
    needsPrompt: true,
    // the server's own defaults apply where a request sets none; cot-sc cannot read them
    defaults: {},
    capabilities: { chat: false, logprobs: true, force: false, seeded: true },
    description: { remote: { baseUrl: options.baseURL, model: options.model } },
    async sampleChains(request: SampleRequest): Promise<SampleResult> {
      const started = performance.now();
      const firstIndex = request.firstIndex ?? 0;
      const chains = new Map<number, SampledChain>();
      const warnings: BackendWarning[] = [];
      if (typeof request.prompt !== "string") throw new RemoteBackendError("send text prompts: this backend renders no chat template", options.baseURL);
      if (request.force !== undefined) warnings.push({ type: "unsupported-setting", setting: "calculator", message: "openai: forced continuations (calculator) need the model in-process; ignored" });
      const prompt = request.prompt;
      let promptTokens = 0;
      let rounds = 0;
      while (chains.size < request.count) {
        // the chains still missing, from the first gap on
        let first = firstIndex;
        while (chains.has(first)) first++;
        const count = request.count - chains.size;
        const answer = await once(request, prompt, first, count);
        rounds++;
        if (rounds === 1) promptTokens = answer.promptTokens;
        let added = 0;
        for (const choice of answer.choices) {
          const index = first + choice.index;
          // why: a choice outside the request, or one seen already, is not a new chain: never counted twice
          if (choice.index < 0 || choice.index >= count || chains.has(index)) continue;
          chains.set(index, toChain(choice, index));
          added++;
        }
        if (added === 0) throw new RemoteBackendError(`asked for ${count} chains, the answer had none usable`, options.baseURL);
        if (added < count && !warnings.some((w) => w.type === "unsupported-setting" && w.setting === "n")) {
          warnings.push({ type: "unsupported-setting", setting: "n", message: `openai: the server returned ${added} of ${count} choices (it may ignore n); the rest were asked for again` });
        }
      }
      const ordered = [...chains.values()].sort((a, b) => a.index - b.index);
      return {
        chains: ordered,
        usage: { promptTokens, generatedTokens: ordered.reduce((sum, c) => sum + c.tokens, 0), wallMs: performance.now() - started },
        warnings,
      };
    },
    close: async () => undefined,
  };
}

function toChain(choice: Choice, index: number): SampledChain {
  const logprobs = choice.logprobs?.token_logprobs ?? undefined;
  let logprob = 0;
  if (logprobs) for (const value of logprobs) logprob += value ?? 0;
  const finishReason: FinishReason = choice.finish_reason === "length" ? "length" : "stop";
  return {
    index,
    text: choice.text,
    // why: without logprobs the server does not say how many tokens a choice has; 4 characters a token is the usual estimate
    tokens: logprobs ? logprobs.length : Math.ceil(choice.text.length / 4),
    finishReason,
    logprob,
  };
}
