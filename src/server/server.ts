import { randomInt, randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Logger } from "pino";
import type { z } from "zod";

import type { SampledChain, SampleResult } from "../backends/backend.js";
import type { OnnxBackend } from "../backends/onnx.js";
import { AbortError, CotScError, OptionsError, PromptTooLongError } from "../errors.js";
import { buildPrompt, type PromptSet, renderChat } from "../prompt/index.js";
import type { Engine } from "../run/engine.js";
import { silentLogger } from "../run/logger.js";
import { ApiError } from "./api-error.js";
import { createMetrics, type ServerMetrics } from "./metrics.js";
import { type ChatBody, chatSchema, type CompletionsBody, completionsSchema, defaultLimits, type RequestLimits, solveSchema } from "./schemas.js";

/** What the server serves: an engine, the ONNX backend under it, the name clients ask for. */
export interface ServeTarget {
  readonly engine: Engine;
  readonly backend: OnnxBackend;
  /** The `model` clients send and `/v1/models` lists. */
  readonly modelName: string;
  /** For chat on a model without a chat template: the prompt set that turns the last user turn into a prompt. */
  readonly promptSet: PromptSet;
}

export interface ServerOptions {
  /** Require `Authorization: Bearer <apiKey>` on `/v1/*`. */
  apiKey?: string;
  limits?: Partial<RequestLimits>;
  /** Largest request body; past it, 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Chains requested and not yet finished, across all clients; past it, 429 with Retry-After. Default 512. */
  maxQueuedChains?: number;
  logger?: Logger;
}

export interface CotScServer {
  /** Starts listening (127.0.0.1 unless told otherwise); resolves with the address. */
  listen(port: number, host?: string): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
  readonly metrics: ServerMetrics;
}

type Route = "/v1/completions" | "/v1/chat/completions" | "/v1/solve" | "/v1/models" | "/health" | "/metrics";
const ROUTES: Record<string, { method: "GET" | "POST"; route: Route }> = {
  "/v1/completions": { method: "POST", route: "/v1/completions" },
  "/v1/chat/completions": { method: "POST", route: "/v1/chat/completions" },
  "/v1/solve": { method: "POST", route: "/v1/solve" },
  "/v1/models": { method: "GET", route: "/v1/models" },
  "/health": { method: "GET", route: "/health" },
  "/metrics": { method: "GET", route: "/metrics" },
};

// a slow reader's stream is dropped past this much unsent output, rather than buffered without bound
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * `cot-sc serve`: the OpenAI HTTP API (`/v1/completions`, `/v1/chat/completions`, `/v1/models`) and
 * cot-sc's own `/v1/solve` over a local engine, on node:http. Requests from all clients are submitted
 * to the backend's scheduler and share its decode batches; a client that disconnects has its chains
 * dropped at the next step. `target` may still be loading: until it resolves `/health` answers 503.
 *
 * @example
 * const server = createServer({ engine, backend, modelName: "cot-sc-gpt2-tiny", promptSet });
 * const { url } = await server.listen(8000); // http://127.0.0.1:8000
 */
export function createServer(target: ServeTarget | Promise<ServeTarget>, options: ServerOptions = {}): CotScServer {
  const logger = options.logger ?? silentLogger();
  const limits: RequestLimits = { ...defaultLimits, ...options.limits };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxQueued = options.maxQueuedChains ?? 512;
  const schemas = { completions: completionsSchema(limits), chat: chatSchema(limits), solve: solveSchema(limits) };
  let ready: ServeTarget | undefined;
  let loadError: Error | undefined;
  void Promise.resolve(target).then(
    (loaded) => (ready = loaded),
    (error: Error) => (loadError = error),
  );
  const metrics = createMetrics(async () => (ready ? ready.backend.stats() : undefined));
  let queuedChains = 0;
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;

  const server = createHttpServer((request, response) => {
    inFlight++;
    metrics.inFlight.inc();
    const started = performance.now();
    const entry = ROUTES[(request.url ?? "").split("?")[0] ?? ""];
    const route = entry?.route ?? "unknown";
    void handle(request, response, entry)
      .catch((error: unknown) => sendError(response, toApiError(error, logger)))
      .finally(() => {
        inFlight--;
        metrics.inFlight.dec();
        metrics.requests.inc({ route, status: String(response.statusCode) });
        metrics.latency.observe({ route }, (performance.now() - started) / 1000);
        if (inFlight === 0) drained?.();
      });
  });
  // why: a client that stops sending must not hold a socket forever
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // generation can take minutes; disconnects are noticed per step

  async function handle(request: IncomingMessage, response: ServerResponse, entry: (typeof ROUTES)[string] | undefined): Promise<void> {
    if (entry === undefined) throw new ApiError(404, `no route ${request.method} ${request.url}`, "invalid_request_error", null, "not_found");
    if (request.method !== entry.method) throw new ApiError(405, `${entry.route} takes ${entry.method}`, "invalid_request_error", null, "method_not_allowed");
    if (entry.route === "/health") {
      if (ready === undefined) return sendJson(response, 503, { status: loadError ? "failed" : "loading", ...(loadError ? { error: loadError.message } : {}) });
      return sendJson(response, draining ? 503 : 200, { status: draining ? "draining" : "ok" });
    }
    if (entry.route === "/metrics") {
      response.writeHead(200, { "content-type": metrics.registry.contentType });
      response.end(await metrics.registry.metrics());
      return;
    }
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      throw new ApiError(401, "a valid API key is required: Authorization: Bearer <key>", "invalid_request_error", null, "invalid_api_key");
    }
    if (draining) throw new ApiError(503, "the server is shutting down", "server_error", null, "shutting_down");
    if (ready === undefined) throw new ApiError(503, loadError ? `the model failed to load: ${loadError.message}` : "the model is loading", "server_error", null, "loading", { "retry-after": "5" });
    const live = ready;
    if (entry.route === "/v1/models") {
      return sendJson(response, 200, { object: "list", data: [{ id: live.modelName, object: "model", created: 0, owned_by: "cot-sc" }] });
    }
    const body = await readBody(request, maxBodyBytes);
    if (entry.route === "/v1/completions") return completions(live, parse(schemas.completions, body), response);
    if (entry.route === "/v1/chat/completions") return chat(live, parse(schemas.chat, body), response);
    return solve(live, parse(schemas.solve, body), response);
  }

  /** Reserves room for `chains` chains in the server's queue, or refuses with 429. */
  function reserve(chains: number): () => void {
    if (queuedChains > 0 && queuedChains + chains > maxQueued) {
      throw new ApiError(429, `the server has ${queuedChains} chains queued; try again shortly`, "rate_limit_error", null, "queue_full", { "retry-after": "1" });
    }
    queuedChains += chains;
    let released = false;
    return () => {
      if (!released) queuedChains -= chains;
      released = true;
    };
  }

  /** Aborts when the client goes away before the response is complete. */
  function disconnectSignal(response: ServerResponse): AbortSignal {
    const controller = new AbortController();
    response.on("close", () => {
      if (!response.writableFinished) controller.abort();
    });
    return controller.signal;
  }

  function checkModel(live: ServeTarget, model: string): void {
    if (model !== live.modelName) throw new ApiError(404, `the model "${model}" does not exist; this server serves "${live.modelName}"`, "invalid_request_error", "model", "model_not_found");
  }

  /** Samples `n` chains for each prompt; choice `p * n + i` is chain `first_index + i` of prompt p. */
  async function sampleAll(
    live: ServeTarget,
    prompts: readonly string[],
    settings: { n: number; maxTokens: number; temperature: number; topP: number; topK: number; seed: number; firstIndex: number; stop: string[]; logprobs: boolean },
    signal: AbortSignal,
    onText: ((choice: number, text: string) => void) | undefined,
  ): Promise<{ results: SampleResult[]; promptTokens: number }> {
    const release = reserve(prompts.length * settings.n);
    try {
      const results = await Promise.all(
        prompts.map((prompt, p) =>
          live.backend.sampleChains({
            prompt,
            count: settings.n,
            firstIndex: settings.firstIndex,
            // why: choice i of seed s is chain first_index + i of seed s - first_index, so the remote
            // backend's rounds (seed + first_index) reproduce an in-process run; see README
            seed: settings.seed - settings.firstIndex,
            maxTokens: settings.maxTokens,
            temperature: settings.temperature,
            topK: settings.topK,
            topP: settings.topP,
            stop: settings.stop,
            signal,
            logprobs: settings.logprobs,
            ...(onText ? { onText: (index: number, text: string) => onText(p * settings.n + index - settings.firstIndex, text) } : {}),
          }),
        ),
      );
      const promptTokens = results.reduce((sum, result) => sum + result.usage.promptTokens, 0);
      for (const result of results) metrics.generatedTokens.inc(result.usage.generatedTokens);
      metrics.promptTokens.inc(promptTokens);
      return { results, promptTokens };
    } finally {
      release();
    }
  }

  function commonSettings(body: CompletionsBody | ChatBody, maxTokens: number) {
    const stop = body.stop == null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
    return {
      n: body.n,
      maxTokens,
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      topK: body.top_k == null || body.top_k < 0 ? 0 : body.top_k,
      seed: body.seed ?? randomInt(2 ** 31),
      firstIndex: body.first_index,
      stop,
    };
  }

  async function completions(live: ServeTarget, body: CompletionsBody, response: ServerResponse): Promise<void> {
    checkModel(live, body.model);
    const prompts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
    const settings = { ...commonSettings(body, body.max_tokens), logprobs: body.logprobs != null };
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const signal = disconnectSignal(response);
    const chunk = (choices: unknown[], usage?: unknown) => ({ id, object: "text_completion", created, model: live.modelName, choices, ...(usage ? { usage } : {}) });
    const stream = body.stream ? openStream(response, signal) : undefined;
    const started = performance.now();
    let first = true;
    const pieces = coalesced((index, text) => stream!.send(chunk([{ index, text, logprobs: null, finish_reason: null }])));
    const { results, promptTokens } = await sampleAll(
      live,
      prompts,
      settings,
      signal,
      stream
        ? (index, text) => {
            if (first) metrics.timeToFirstToken.observe({ route: "/v1/completions" }, (performance.now() - started) / 1000);
            first = false;
            pieces.add(index, text);
          }
        : undefined,
    );
    pieces.flush();
    const choices = results.flatMap((result, p) =>
      result.chains.map((chain) => ({ index: p * body.n + chain.index - body.first_index, chain })),
    );
    const usage = usageOf(promptTokens, results);
    if (stream) {
      for (const { index, chain } of choices) stream.send(chunk([{ index, text: "", logprobs: completionLogprobs(chain), finish_reason: finishReason(chain) }]));
      if (body.stream_options?.include_usage) stream.send(chunk([], usage));
      return stream.done();
    }
    sendJson(response, 200, chunk(
      choices.map(({ index, chain }) => ({ index, text: chain.text, logprobs: body.logprobs == null ? null : completionLogprobs(chain), finish_reason: finishReason(chain) })),
      usage,
    ));
  }

  async function chat(live: ServeTarget, body: ChatBody, response: ServerResponse): Promise<void> {
    checkModel(live, body.model);
    const messages = body.messages.map((m) => ({
      role: m.role === "developer" ? ("system" as const) : m.role,
      content: typeof m.content === "string" ? m.content : m.content.map((part) => part.text).join(""),
    }));
    const info = live.backend.info;
    let prompt: string;
    const stop: string[] = [];
    if (info.chatTemplate) {
      prompt = renderChat(info.chatTemplate, messages, { ...(info.bosToken ? { bosToken: info.bosToken } : {}), ...(info.eosToken ? { eosToken: info.eosToken } : {}) });
    } else {
      // no chat template: the model's prompt set turns the last user turn into its prompt
      const question = [...messages].reverse().find((m) => m.role === "user")?.content;
      if (question === undefined) throw ApiError.invalid("messages: this model answers a user turn, and there is none", "messages");
      const built = buildPrompt(live.promptSet, question);
      prompt = built.text;
      stop.push(...built.stop);
    }
    const common = commonSettings(body, body.max_completion_tokens ?? body.max_tokens ?? limits.maxTokens);
    const settings = { ...common, stop: [...new Set([...stop, ...common.stop])], logprobs: body.logprobs === true };
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const signal = disconnectSignal(response);
    const chunk = (choices: unknown[], usage?: unknown) => ({ id, object: "chat.completion.chunk", created, model: live.modelName, choices, ...(usage ? { usage } : {}) });
    const stream = body.stream ? openStream(response, signal) : undefined;
    const opened = new Set<number>();
    const started = performance.now();
    let first = true;
    const pieces = coalesced((index, text) => {
      const role = opened.has(index) ? {} : { role: "assistant" };
      opened.add(index);
      stream!.send(chunk([{ index, delta: { ...role, content: text }, logprobs: null, finish_reason: null }]));
    });
    const { results, promptTokens } = await sampleAll(
      live,
      [prompt],
      settings,
      signal,
      stream
        ? (index, text) => {
            if (first) metrics.timeToFirstToken.observe({ route: "/v1/chat/completions" }, (performance.now() - started) / 1000);
            first = false;
            pieces.add(index, text);
          }
        : undefined,
    );
    pieces.flush();
    const chains = results[0]!.chains;
    const usage = usageOf(promptTokens, results);
    if (stream) {
      for (const chain of chains) {
        const index = chain.index - body.first_index;
        const role = opened.has(index) ? {} : { role: "assistant" };
        stream.send(chunk([{ index, delta: role, logprobs: body.logprobs ? chatLogprobs(chain) : null, finish_reason: finishReason(chain) }]));
      }
      if (body.stream_options?.include_usage) stream.send(chunk([], usage));
      return stream.done();
    }
    sendJson(response, 200, {
      id,
      object: "chat.completion",
      created,
      model: live.modelName,
      choices: chains.map((chain) => ({
        index: chain.index - body.first_index,
        message: { role: "assistant", content: chain.text },
        logprobs: body.logprobs ? chatLogprobs(chain) : null,
        finish_reason: finishReason(chain),
      })),
      usage,
    });
  }

  async function solve(live: ServeTarget, body: z.output<typeof schemas.solve>, response: ServerResponse): Promise<void> {
    const { question, gold, ...solveOptions } = body;
    const questions = typeof question === "string" ? [question] : question;
    const golds = gold == null ? [] : typeof gold === "string" ? [gold] : gold;
    const release = reserve(questions.length * solveOptions.samples);
    const signal = disconnectSignal(response);
    try {
      const results = await Promise.all(
        questions.map((q, i) => live.engine.solve(q, { ...solveOptions, id: `q${i}`, gold: golds[i] ?? null, signal })),
      );
      for (const result of results) metrics.generatedTokens.inc(result.usage.generatedTokens);
      sendJson(response, 200, { object: "cot_sc.solve", model: live.modelName, results });
    } finally {
      release();
    }
  }

  return {
    metrics,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolve({ host: address.address, port: address.port, url: `http://${address.address}:${address.port}` });
        });
      });
    },
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw ApiError.fromZod(parsed.error);
  return parsed.data;
}

/** Reads a JSON body of at most `limit` bytes, strictly UTF-8. */
async function readBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limit) throw new ApiError(413, `the request body is ${declared} bytes; the limit is ${limit}`, "invalid_request_error", null, "body_too_large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, `the request body is over the limit of ${limit} bytes`, "invalid_request_error", null, "body_too_large");
    chunks.push(chunk as Buffer);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw ApiError.invalid("the request body is not valid UTF-8", null, "invalid_encoding");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw ApiError.invalid(`the request body is not JSON: ${(error as Error).message}`, null, "invalid_json");
  }
}

function toApiError(error: unknown, logger: Logger): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PromptTooLongError) return ApiError.invalid(error.message, "prompt", "context_length_exceeded");
  if (error instanceof OptionsError) return ApiError.invalid(error.message, null, "invalid_value");
  if (error instanceof AbortError) return new ApiError(499, "the client closed the request", "invalid_request_error", null, "client_closed");
  if (error instanceof CotScError) return ApiError.invalid(error.message, null, error.code.toLowerCase());
  logger.error({ err: error }, "unexpected error");
  return new ApiError(500, "internal server error", "server_error");
}

function sendError(response: ServerResponse, error: ApiError): void {
  if (response.headersSent) {
    // mid-stream: an error event in OpenAI's shape, then the end
    if (!response.writableEnded) response.end(`data: ${JSON.stringify(error.body())}\n\n`);
    return;
  }
  if (response.destroyed) return;
  const body = JSON.stringify(error.body());
  response.writeHead(error.status, { "content-type": "application/json", ...error.headers, ...(error.status === 413 ? { connection: "close" } : {}) });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

/**
 * Text pieces per choice, sent as one chunk per choice when the event loop next turns: while the
 * server keeps up, that is a chunk per token; when it lags (many clients), the pieces that arrived
 * meanwhile go out together instead of as a backlog of tiny events (vLLM's stream interval, adaptive).
 */
function coalesced(send: (index: number, text: string) => void): { add(index: number, text: string): void; flush(): void } {
  const pending = new Map<number, string>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    for (const [index, text] of pending) send(index, text);
    pending.clear();
  };
  return {
    add(index, text) {
      pending.set(index, (pending.get(index) ?? "") + text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** Server-sent events; a reader that falls too far behind is dropped (its chains stop at the next step). */
function openStream(response: ServerResponse, signal: AbortSignal): { send(value: unknown): void; done(): void } {
  let opened = false;
  const open = (): void => {
    if (opened) return;
    opened = true;
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  };
  return {
    send(value) {
      if (signal.aborted || response.destroyed || response.writableEnded) return;
      open();
      response.write(`data: ${JSON.stringify(value)}\n\n`);
      if (response.writableLength > MAX_BUFFERED_BYTES) response.destroy(new Error("the client reads too slowly"));
    },
    done() {
      open();
      response.end("data: [DONE]\n\n");
    },
  };
}

function finishReason(chain: SampledChain): "stop" | "length" {
  return chain.finishReason === "length" ? "length" : "stop";
}

function usageOf(promptTokens: number, results: readonly SampleResult[]): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const completion = results.reduce((sum, r) => sum + r.usage.generatedTokens, 0);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

function completionLogprobs(chain: SampledChain): { tokens: string[]; token_logprobs: number[]; top_logprobs: null; text_offset: number[] } | null {
  if (chain.tokenLogprobs === undefined) return null;
  const offsets: number[] = [];
  let offset = 0;
  for (const { token } of chain.tokenLogprobs) {
    offsets.push(offset);
    offset += token.length;
  }
  return { tokens: chain.tokenLogprobs.map((t) => t.token), token_logprobs: chain.tokenLogprobs.map((t) => t.logprob), top_logprobs: null, text_offset: offsets };
}

function chatLogprobs(chain: SampledChain): { content: Array<{ token: string; logprob: number; bytes: number[]; top_logprobs: [] }> } | null {
  if (chain.tokenLogprobs === undefined) return null;
  const encoder = new TextEncoder();
  return { content: chain.tokenLogprobs.map(({ token, logprob }) => ({ token, logprob, bytes: [...encoder.encode(token)], top_logprobs: [] })) };
}
