import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend, SampleRequest } from "../../src/backends/backend.js";
import { createReplayBackend } from "../../src/backends/replay.js";
import { AbortError, InputError, OptionsError } from "../../src/errors.js";

const recorded = new URL("../../data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl", import.meta.url).pathname;

const request = (problemId: string, count: number, firstIndex = 0): SampleRequest => ({
  prompt: "",
  count,
  firstIndex,
  maxTokens: 256,
  temperature: 0.7,
  topK: 40,
  topP: 0.95,
  seed: 1,
  stop: [],
  problemId,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable(),
    (reason: unknown) => reason,
  );
}

let directory: string;
let backend: Backend;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "cot-sc-replay-"));
  backend = await createReplayBackend(recorded);
});
afterAll(async () => {
  await backend.close();
  await rm(directory, { recursive: true, force: true });
});

describe("replay backend on the recorded GSM8K chains", () => {
  it("serves a problem's chains by id, in file order, with said caveats", async () => {
    expect(backend).toMatchObject({ name: "replay", needsPrompt: false });
    const first = await backend.sampleChains(request("0", 5));
    expect(first.chains).toHaveLength(5);
    expect(first.chains.map((chain) => chain.index)).toEqual([0, 1, 2, 3, 4]);
    expect(first.chains[0]?.text).toMatch(/^ Janet has 16 eggs per day\..*The answer is \$18\.\n\n$/s);
    for (const chain of first.chains) {
      expect(chain).toMatchObject({ finishReason: "stop", logprob: 0, tokens: Math.ceil(chain.text.length / 4) });
    }
    expect(first.usage.generatedTokens).toBe(first.chains.reduce((sum, chain) => sum + chain.tokens, 0));
    expect(first.usage.promptTokens).toBe(0);
    const messages = first.warnings.map((w) => w.message).join("\n");
    expect(messages).toMatch(/estimate/);
    expect(messages).toMatch(/no log-probabilities.*majority/);
    expect(messages).toMatch(/temperature, topK, topP, seed/);
    // typed: what kind of warning, and which setting
    expect(first.warnings).toContainEqual(expect.objectContaining({ type: "estimate", field: "tokens" }));
    expect(first.warnings).toContainEqual(expect.objectContaining({ type: "unsupported-setting" }));

    // General caveats once per backend; the next call is clean.
    const next = await backend.sampleChains(request("0", 7, 5));
    expect(next.chains.map((chain) => chain.index)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(next.warnings).toEqual([]);
  });

  it("serves fewer chains than asked when the record has fewer, and says so", async () => {
    const result = await backend.sampleChains(request("1318", 10, 8));
    expect(result.chains.map((chain) => chain.index)).toEqual([8, 9, 10, 11]);
    expect(result.warnings).toEqual([{ type: "other", message: expect.stringMatching(/"1318" has 12 recorded chains.*served 4/) }]);
    expect((await backend.sampleChains(request("5", 3, 12))).chains).toEqual([]);
  });

  it("names the file and the id of an unknown problem", async () => {
    const error = await rejection(backend.sampleChains(request("gsm8k-1", 1)));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ file: recorded, field: "id" });
    expect((error as Error).message).toContain('"gsm8k-1"');
  });

  it("needs a problem id, and honours an aborted signal", async () => {
    const { problemId: _ignored, ...withoutId } = request("0", 1);
    expect(await rejection(backend.sampleChains(withoutId))).toBeInstanceOf(OptionsError);
    expect(await rejection(backend.sampleChains({ ...request("0", 1), signal: AbortSignal.abort() }))).toBeInstanceOf(AbortError);
  });

  it("filters chains by source", async () => {
    const gpt4 = await createReplayBackend(recorded, { sources: ["gpt4_COT", "gpt4_LtM"] });
    const result = await gpt4.sampleChains(request("0", 12));
    expect(result.chains).toHaveLength(2);
    expect(result.chains[0]?.text).toMatch(/^Janet's ducks lay 16 eggs per day/);
    await gpt4.close();
    expect(await rejection(createReplayBackend(recorded, { sources: ["gpt5_COT"] }))).toBeInstanceOf(OptionsError);
  });
});

describe("replay backend on bad files", () => {
  const good = JSON.stringify({ id: 1, question: "q?", gold: "3", chains: [{ source: "a", text: "3" }] });

  it("names the line and field of a bad record", async () => {
    const file = join(directory, "bad.jsonl");
    await writeFile(file, `${good}\n${JSON.stringify({ id: 2, question: "q?", gold: "3", chains: [{ source: "a" }] })}\n`);
    const error = await rejection(createReplayBackend(file));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ file, line: 2, field: "chains.0.text" });
  });

  it("rejects duplicate ids, and skips bad lines when asked", async () => {
    const file = join(directory, "duplicate.jsonl");
    await writeFile(file, `${good}\nnot json\n${good}\n`);
    expect(await rejection(createReplayBackend(file))).toMatchObject({ line: 2 });
    const skipped: InputError[] = [];
    const lenient = await createReplayBackend(file, { skipInvalid: true, onInvalid: (error) => skipped.push(error) });
    expect(skipped.map((error) => [error.line, error.field])).toEqual([
      [2, undefined],
      [3, "id"],
    ]);
    expect((await lenient.sampleChains(request("1", 1))).chains[0]?.text).toBe("3");
  });

  it("names a missing file", async () => {
    const file = join(directory, "missing.jsonl");
    expect(await rejection(createReplayBackend(file))).toMatchObject({ file });
  });
});
