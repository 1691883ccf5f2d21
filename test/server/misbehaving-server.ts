import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the misbehaving server does to the requests it gets, in order (then it behaves). */
export type Misbehaviour = "ignore-n" | "429" | "drop" | "stall" | "malformed" | "500-forever";

/**
 * A small OpenAI-compatible completions server on loopback that misbehaves the way real servers and
 * proxies do: it ignores `n`, answers 429 with `Retry-After`, drops the connection, stalls past the
 * client's timeout, or answers malformed JSON. Its chains are deterministic (`chain <seed>:<i>`), so a
 * test can check that none is lost and none counted twice.
 */
export async function startMisbehavingServer(script: Misbehaviour[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { n?: number; seed?: number; first_index?: number };
      const step = script.includes("500-forever") ? "500-forever" : script.shift();
      if (step === "429") {
        response.writeHead(429, { "content-type": "application/json", "retry-after": "0" });
        response.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit_error", param: null, code: null } }));
        return;
      }
      if (step === "drop") {
        request.socket.destroy();
        return;
      }
      if (step === "stall") return; // never answers: the client's timeout must fire
      if (step === "malformed") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"choices": [{"index": 0, "text": "cut off');
        return;
      }
      if (step === "500-forever") {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: "broken", type: "server_error", param: null, code: null } }));
        return;
      }
      const n = step === "ignore-n" ? 1 : (body.n ?? 1);
      // the chain a cot-sc server would give: seed - first_index, chain first_index + i
      const base = (body.seed ?? 0) - (body.first_index ?? 0);
      const first = body.first_index ?? 0;
      const choices = Array.from({ length: n }, (_, i) => ({
        index: i,
        text: `chain ${base}:${first + i}\n#### ${first + i}`,
        finish_reason: "stop",
        logprobs: { tokens: ["a", "b"], token_logprobs: [-0.5, -0.25], top_logprobs: null, text_offset: [0, 1] },
      }));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ id: "cmpl-x", object: "text_completion", created: 0, model: "m", choices, usage: { prompt_tokens: 3, completion_tokens: 2 * n, total_tokens: 3 + 2 * n } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
